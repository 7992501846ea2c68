//! The database and its `-wal` and `-shm` files are readable only by their
//! owner, whatever the data directory's permissions, and a master key file
//! that others may access is rejected.

mod common;

use std::fs::{self, Permissions};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::{add_member, test_master_key, Binary, TestServer};
use secrets_server::crypto::{MasterKey, MasterKeyError};
use secrets_server::store::Store;

fn mode(path: &Path) -> u32 {
    fs::metadata(path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test]
async fn database_files_private_after_write() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    server.create_ok(&token, "acme", "API_KEY", "v").await;

    let data_dir = server.dir.path().join("data");
    for file in ["secrets.db", "secrets.db-wal", "secrets.db-shm"] {
        assert_eq!(mode(&data_dir.join(file)), 0o600, "{file}");
    }
}

#[test]
fn database_files_existing_restricted() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = dir.path().join("data");
    fs::create_dir(&data_dir).expect("data dir");
    fs::set_permissions(&data_dir, Permissions::from_mode(0o755)).expect("chmod");
    let database = data_dir.join("secrets.db");
    drop(Store::open(&data_dir, test_master_key()).expect("first open"));
    fs::set_permissions(&database, Permissions::from_mode(0o644)).expect("chmod");

    // The store keeps its connection, and so the -wal and -shm files, open.
    let _store = Store::open(&data_dir, test_master_key()).expect("second open");

    for file in ["secrets.db", "secrets.db-wal", "secrets.db-shm"] {
        assert_eq!(mode(&data_dir.join(file)), 0o600, "{file}");
    }
}

#[test]
fn data_dir_shared_warning() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = dir.path().join("data");
    fs::create_dir(&data_dir).expect("data dir");
    fs::set_permissions(&data_dir, Permissions::from_mode(0o755)).expect("chmod");
    let data_dir_text = data_dir.to_str().expect("UTF-8");

    let mut command = Binary::spawn(
        &[
            "conglomerate",
            "create",
            "acme",
            "--data-dir",
            data_dir_text,
        ],
        &[],
    );

    assert_eq!(command.wait(), Some(0), "{}", command.stderr());
    let stderr = command.stderr();
    assert!(
        stderr.contains(&format!("chmod 700 {data_dir_text}")),
        "{stderr}"
    );
    assert!(
        stderr.contains("other users can access the data directory"),
        "{stderr}"
    );
}

#[test]
fn master_key_file_world_readable_rejected() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = dir.path().join("data");
    add_member(&data_dir, "acme", "owner", &[]);
    let key_file = data_dir.join("master.key");
    fs::set_permissions(&key_file, Permissions::from_mode(0o644)).expect("chmod");

    let mut server = Binary::spawn_serve(&data_dir, &[]);

    server.assert_exit_code(1);
    let stderr = server.stderr();
    let key_file_text = key_file.to_str().expect("UTF-8");
    assert!(
        stderr.contains(&format!("the master key file {key_file_text} has mode 644")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("chmod 600 {key_file_text}")),
        "{stderr}"
    );
    assert!(!stderr.contains("listening on"), "{stderr}");
}

#[test]
fn master_key_file_group_access_rejected() {
    let dir = tempfile::tempdir().expect("temporary directory");
    drop(MasterKey::load_or_create(dir.path()).expect("create key"));
    let key_file = dir.path().join("master.key");

    for mode in [0o640, 0o620, 0o610, 0o604, 0o602, 0o601] {
        fs::set_permissions(&key_file, Permissions::from_mode(mode)).expect("chmod");

        let loaded = MasterKey::load_or_create(dir.path());

        assert!(
            matches!(loaded, Err(MasterKeyError::TooPermissive { mode: found, .. }) if found == mode),
            "{mode:o}: {loaded:?}"
        );
    }

    fs::set_permissions(&key_file, Permissions::from_mode(0o600)).expect("chmod");
    assert!(MasterKey::load_or_create(dir.path()).is_ok());
}
