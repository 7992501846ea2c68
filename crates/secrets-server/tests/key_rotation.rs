//! Rotating the master key with `rotate-master-key`. Values stay readable,
//! tasks still receive them, and a server started before the rotation
//! keeps serving without a restart. The old key is rejected afterwards, and bad input changes
//! nothing. A rotation that stopped before renaming its key file is
//! finished at the next start.

mod common;

use std::fs::{self, Permissions};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::{
    add_member, database_files_contain, issue_runner, sealed_request, store_secret, stored_value,
    values_by_key, Binary,
};
use secrets_core::api::{PublicKeyResponse, SecretList, StartedTask, TaskSecrets};
use secrets_core::sealed::SealingKey;
use secrets_server::crypto::{write_pending_key_file, MasterKey};
use secrets_server::store::{Store, StoreError};

/// A value with CR LF, LF and non-ASCII characters, which must come back
/// byte for byte.
const PEM_VALUE: &str = "-----BEGIN KEY-----\r\nabc\n\u{e9}\u{1f511}\n";

/// The secrets that [`data_dir_with_secrets`] stores: (company, key, value).
const SECRETS: &[(&str, &str, &str)] = &[
    ("acme", "API_KEY", "acme value"),
    ("acme", "PEM", PEM_VALUE),
    ("beta", "API_KEY", "beta value"),
];

/// Creates `dir/data` with a generated key file and [`SECRETS`].
fn data_dir_with_secrets(dir: &Path) -> PathBuf {
    let data_dir = dir.join("data");
    fs::create_dir(&data_dir).expect("data dir");
    let store = open_with_key_file(&data_dir);
    for (company, key, value) in SECRETS {
        store_secret(&store, company, key, value);
    }
    data_dir
}

/// Opens the store with the key file of `data_dir`, generating it on first
/// use, as a server start does.
fn open_with_key_file(data_dir: &Path) -> Store {
    let (master_key, _) = MasterKey::load_or_create(data_dir).expect("load key");
    common::open_store(data_dir, master_key)
}

fn assert_secrets_readable(data_dir: &Path) {
    let store = open_with_key_file(data_dir);
    for (company, key, value) in SECRETS {
        assert_eq!(
            stored_value(&store, company, key),
            *value,
            "{company} {key}"
        );
    }
}

/// Runs `rotate-master-key` on `data_dir` and returns its exit code and the
/// finished process.
fn rotate(data_dir: &Path, extra_args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, Binary) {
    let mut args = vec![
        "rotate-master-key",
        "--data-dir",
        data_dir.to_str().expect("UTF-8 path"),
    ];
    args.extend_from_slice(extra_args);
    let mut command = Binary::spawn(&args, env);
    let code = command.wait();
    (code, command)
}

fn key_file(data_dir: &Path) -> PathBuf {
    data_dir.join("master.key")
}

fn pending_key_file(data_dir: &Path) -> PathBuf {
    data_dir.join("master.key.new")
}

/// Returns the key id of the master key in `data_dir/master.key`.
fn key_file_id(data_dir: &Path) -> String {
    let master_key = MasterKey::from_file(&key_file(data_dir)).expect("read key file");
    master_key.id().as_str().to_owned()
}

/// Returns every row of `data_keys`: (company, master key id, wrapped key).
fn data_key_rows(data_dir: &Path) -> Vec<(String, String, Vec<u8>)> {
    rusqlite::Connection::open(data_dir.join("secrets.db"))
        .expect("open database")
        .prepare("SELECT company_id, master_key_id, wrapped_key FROM data_keys ORDER BY company_id")
        .expect("prepare")
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

/// Returns the sealed values and the sealed secret keys of the companies'
/// key pairs, which a rotation must leave unchanged.
fn sealed_rows(data_dir: &Path) -> Vec<Vec<u8>> {
    rusqlite::Connection::open(data_dir.join("secrets.db"))
        .expect("open database")
        .prepare(
            "SELECT sealed_value FROM secrets
             UNION ALL SELECT wrapped_secret_key FROM company_keys",
        )
        .expect("prepare")
        .query_map([], |row| row.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

/// Adds a company without a key pair or data key, as companies created
/// before key pairs existed are, in a conglomerate of the same ID.
fn add_company_without_key_pair(data_dir: &Path, company: &str) {
    rusqlite::Connection::open(data_dir.join("secrets.db"))
        .expect("open database")
        .execute_batch(&format!(
            "INSERT INTO conglomerates (id, created_at) VALUES ('{company}', 0);
             INSERT INTO companies (id, conglomerate_id, created_at) VALUES ('{company}', '{company}', 0);"
        ))
        .expect("insert company");
}

/// Fetches a company's public key and returns the status, and the key
/// when the status is 200.
async fn public_key(
    base_url: &str,
    token: &str,
    company: &str,
) -> (u16, Option<PublicKeyResponse>) {
    let response = reqwest::Client::new()
        .get(format!("{base_url}/api/v1/companies/{company}/public-key"))
        .bearer_auth(token)
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    if status != 200 {
        return (status, None);
    }
    (
        status,
        Some(response.json().await.expect("JSON public key")),
    )
}

/// Seals `value` to the company's public key, sends a create request and
/// returns its status.
async fn create(base_url: &str, token: &str, company: &str, key: &str, value: &str) -> u16 {
    let (status, public_key) = public_key(base_url, token, company).await;
    let public_key = public_key.unwrap_or_else(|| panic!("public key of {company}: {status}"));
    let sealing_key =
        SealingKey::from_base64(&public_key.key_id, &public_key.public_key).expect("valid key");
    reqwest::Client::new()
        .post(format!("{base_url}/api/v1/companies/{company}/secrets"))
        .bearer_auth(token)
        .json(&sealed_request(&sealing_key, key, value))
        .send()
        .await
        .expect("sent")
        .status()
        .as_u16()
}

/// Lists the keys of a company's secrets and asserts 200.
async fn list_keys(base_url: &str, token: &str, company: &str) -> Vec<String> {
    let response = reqwest::Client::new()
        .get(format!("{base_url}/api/v1/companies/{company}/secrets"))
        .bearer_auth(token)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    let list: SecretList = response.json().await.expect("JSON list");
    list.secrets
        .into_iter()
        .map(|secret| secret.key.as_str().to_owned())
        .collect()
}

/// Starts a task of `company` and reads its secrets. Returns the status of
/// the read and the values by key when it is 200.
async fn task_values(base_url: &str, runner: &str, company: &str) -> (u16, Vec<(String, String)>) {
    let client = reqwest::Client::new();
    let response = client
        .post(format!("{base_url}/api/v1/companies/{company}/tasks"))
        .bearer_auth(runner)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 201, "start a task of {company}");
    let task: StartedTask = response.json().await.expect("JSON task");
    let response = client
        .get(format!("{base_url}/api/v1/tasks/{}/secrets", task.task_id))
        .bearer_auth(&*task.task_token)
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    if status != 200 {
        return (status, Vec::new());
    }
    let secrets: TaskSecrets = response.json().await.expect("JSON task secrets");
    (status, values_by_key(&secrets))
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
        .collect()
}

async fn delete(base_url: &str, token: &str, company: &str, key: &str) -> u16 {
    reqwest::Client::new()
        .delete(format!(
            "{base_url}/api/v1/companies/{company}/secrets/{key}"
        ))
        .bearer_auth(token)
        .send()
        .await
        .expect("sent")
        .status()
        .as_u16()
}

#[test]
fn rotation_rewraps_data_keys_only() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = data_dir_with_secrets(dir.path());
    let old_key_text = fs::read_to_string(key_file(&data_dir)).expect("read key file");
    let old_key_id = key_file_id(&data_dir);
    let old_rows = data_key_rows(&data_dir);
    let old_sealed_rows = sealed_rows(&data_dir);

    let (code, command) = rotate(&data_dir, &[], &[]);

    assert_eq!(code, Some(0), "{}", command.stderr());
    let new_key_text = fs::read_to_string(key_file(&data_dir)).expect("read key file");
    let new_key_id = key_file_id(&data_dir);
    assert_ne!(new_key_id, old_key_id);

    // The output names what changed and where the key is, but no key.
    let stdout = command.stdout();
    assert!(stdout.contains("Rewrapped 2 data keys"), "{stdout}");
    assert!(stdout.contains(&format!("key id {new_key_id}")), "{stdout}");
    assert!(stdout.contains(&format!("key id {old_key_id}")), "{stdout}");
    let key_file_text = key_file(&data_dir).to_str().expect("UTF-8").to_owned();
    assert!(stdout.contains(&key_file_text), "{stdout}");
    for output in [&stdout, &command.stderr()] {
        assert!(!output.contains(old_key_text.trim()), "{output}");
        assert!(!output.contains(new_key_text.trim()), "{output}");
    }

    // The key file was replaced by a private file, and no pending file is left.
    let mode = fs::metadata(key_file(&data_dir))
        .expect("key file")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(!pending_key_file(&data_dir).exists());

    // Every data key is wrapped again; the sealed values and the sealed
    // secret keys of the key pairs are unchanged.
    let new_rows = data_key_rows(&data_dir);
    assert_eq!(new_rows.len(), old_rows.len());
    for ((company, key_id, wrapped), (_, _, old_wrapped)) in new_rows.iter().zip(&old_rows) {
        assert_eq!(key_id, &new_key_id, "{company}");
        assert_ne!(wrapped, old_wrapped, "{company}");
        assert!(!database_files_contain(&data_dir, old_wrapped), "{company}");
    }
    assert_eq!(sealed_rows(&data_dir), old_sealed_rows);

    assert_secrets_readable(&data_dir);
}

#[test]
fn rotation_old_key_rejected_at_start() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = data_dir_with_secrets(dir.path());
    let old_key_text = fs::read_to_string(key_file(&data_dir)).expect("read key file");
    let (code, command) = rotate(&data_dir, &[], &[]);
    assert_eq!(code, Some(0), "{}", command.stderr());
    let new_key_id = key_file_id(&data_dir);

    let mut server = Binary::spawn_serve(&data_dir, &[("SECRETS_MASTER_KEY", old_key_text.trim())]);

    server.assert_exit_code(1);
    let stderr = server.stderr();
    assert!(stderr.contains("the master key does not match"), "{stderr}");
    assert!(stderr.contains(&format!("key id {new_key_id}")), "{stderr}");
    assert!(!stderr.contains("listening on"), "{stderr}");

    let old_key = MasterKey::from_hex(&old_key_text, "old key").expect("old key");
    let reopened = common::try_open_store(&data_dir, old_key);
    assert!(
        matches!(reopened, Err(StoreError::WrongMasterKey { .. })),
        "{reopened:?}"
    );
}

#[tokio::test]
async fn server_started_before_rotation_keeps_serving() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = dir.path().join("data");
    fs::create_dir(&data_dir).expect("data dir");

    // Gamma's data key exists before the server starts, so the server has
    // not cached it.
    store_secret(
        &open_with_key_file(&data_dir),
        "gamma",
        "OLD",
        "gamma before",
    );
    let acme = add_member(&data_dir, "acme", "owner", &[]);
    let acme_runner = issue_runner(&data_dir, "acme", &[]);
    let gamma_runner = issue_runner(&data_dir, "gamma", &[]);
    let (mut server, base_url) = Binary::serve(&data_dir, &dir.path().join("dist"), &[]);
    assert_eq!(
        create(&base_url, &acme, "acme", "BEFORE", "acme before").await,
        201
    );
    // A task read makes the server unwrap and cache acme's data key.
    assert_eq!(
        task_values(&base_url, &acme_runner, "acme").await,
        (200, pairs(&[("BEFORE", "acme before")]))
    );

    let rows_before = data_key_rows(&data_dir);
    let (code, command) = rotate(&data_dir, &[], &[]);
    assert_eq!(code, Some(0), "{}", command.stderr());
    let first_key_id = key_file_id(&data_dir);

    // The server's open connection keeps SQLite from removing the WAL
    // when the command exits, so only the command's checkpoint removes
    // the replaced wrapped keys.
    for (company, _, old_wrapped) in &rows_before {
        assert!(!database_files_contain(&data_dir, old_wrapped), "{company}");
    }

    // Beta has no key pair yet, so the server creates beta's data key with
    // the first request for its public key, and must wrap it with the new
    // master key.
    add_company_without_key_pair(&data_dir, "beta");
    let beta = add_member(&data_dir, "beta", "owner", &[]);
    assert_eq!(
        create(&base_url, &beta, "beta", "NEW", "beta after").await,
        201
    );
    let beta_row = data_key_rows(&data_dir)
        .into_iter()
        .find(|(company, _, _)| company == "beta")
        .expect("beta's data key");
    assert_eq!(beta_row.1, first_key_id);

    // Listing, adding and deleting need no master key, and acme's data key
    // is cached, so everything goes on.
    assert_eq!(list_keys(&base_url, &acme, "acme").await, ["BEFORE"]);
    assert_eq!(
        create(&base_url, &acme, "acme", "AFTER", "acme after").await,
        201
    );
    assert_eq!(delete(&base_url, &acme, "acme", "BEFORE").await, 204);
    assert_eq!(list_keys(&base_url, &acme, "acme").await, ["AFTER"]);
    assert_eq!(
        task_values(&base_url, &acme_runner, "acme").await,
        (200, pairs(&[("AFTER", "acme after")]))
    );

    // After a second rotation the server unwraps gamma's data key, which
    // is wrapped with a master key that it has not loaded yet.
    let (code, command) = rotate(&data_dir, &[], &[]);
    assert_eq!(code, Some(0), "{}", command.stderr());
    let second_key_id = key_file_id(&data_dir);
    assert_eq!(
        task_values(&base_url, &gamma_runner, "gamma").await,
        (200, pairs(&[("OLD", "gamma before")]))
    );

    assert_eq!(server.terminate(), Some(0));
    let stderr = server.stderr();
    assert_eq!(
        stderr
            .matches("loaded the new key from the key file")
            .count(),
        2,
        "{stderr}"
    );
    assert!(!stderr.contains("request failed"), "{stderr}");

    // After a restart every value opens with the newest key.
    for (_, key_id, _) in data_key_rows(&data_dir) {
        assert_eq!(key_id, second_key_id);
    }
    let store = open_with_key_file(&data_dir);
    assert_eq!(stored_value(&store, "acme", "AFTER"), "acme after");
    assert_eq!(stored_value(&store, "beta", "NEW"), "beta after");
    assert_eq!(stored_value(&store, "gamma", "OLD"), "gamma before");
}

#[tokio::test]
async fn environment_key_server_asks_for_restart() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = dir.path().join("data");
    let dist_dir = dir.path().join("dist");
    let old_key = "11".repeat(32);
    let new_key = "22".repeat(32);
    let old_env = [("SECRETS_MASTER_KEY", old_key.as_str())];
    let acme = add_member(&data_dir, "acme", "owner", &old_env);
    let beta = add_member(&data_dir, "beta", "owner", &old_env);
    let acme_runner = issue_runner(&data_dir, "acme", &old_env);
    let beta_runner = issue_runner(&data_dir, "beta", &old_env);
    let (mut server, base_url) = Binary::serve(&data_dir, &dist_dir, &old_env);
    assert_eq!(
        create(&base_url, &acme, "acme", "FIRST", "acme value").await,
        201
    );
    assert_eq!(
        create(&base_url, &beta, "beta", "FIRST", "beta value").await,
        201
    );
    // Acme's data key is unwrapped and cached before the rotation, and
    // beta's is not.
    assert_eq!(task_values(&base_url, &acme_runner, "acme").await.0, 200);

    let (code, command) = rotate(
        &data_dir,
        &[],
        &[
            ("SECRETS_MASTER_KEY", &old_key),
            ("SECRETS_NEW_MASTER_KEY", &new_key),
        ],
    );
    assert_eq!(code, Some(0), "{}", command.stderr());
    assert!(
        command
            .stdout()
            .contains("SECRETS_MASTER_KEY still contains the old key"),
        "{}",
        command.stdout()
    );
    assert!(!key_file(&data_dir).exists());

    // Adding a secret needs no master key, and acme's tasks use the cached
    // data key. Beta's tasks, and creating the key pair of a company that
    // has none, need the new master key.
    assert_eq!(
        create(&base_url, &acme, "acme", "SECOND", "acme value").await,
        201
    );
    assert_eq!(
        task_values(&base_url, &acme_runner, "acme").await,
        (
            200,
            pairs(&[("FIRST", "acme value"), ("SECOND", "acme value")])
        )
    );
    assert_eq!(task_values(&base_url, &beta_runner, "beta").await.0, 500);
    add_company_without_key_pair(&data_dir, "gamma");
    let gamma = add_member(
        &data_dir,
        "gamma",
        "owner",
        &[("SECRETS_MASTER_KEY", &new_key)],
    );
    assert_eq!(public_key(&base_url, &gamma, "gamma").await.0, 500);
    assert_eq!(server.terminate(), Some(0));
    let stderr = server.stderr();
    assert!(
        stderr.contains("restart the server with the new key in SECRETS_MASTER_KEY"),
        "{stderr}"
    );
    assert!(!stderr.contains(&new_key), "{stderr}");

    // Restarted with the new key, the server hands beta's values to a task
    // and creates gamma's key pair.
    let new_env = [("SECRETS_MASTER_KEY", new_key.as_str())];
    let (mut restarted, base_url) = Binary::serve(&data_dir, &dist_dir, &new_env);
    assert_eq!(
        task_values(&base_url, &beta_runner, "beta").await,
        (200, pairs(&[("FIRST", "beta value")]))
    );
    assert_eq!(
        create(&base_url, &gamma, "gamma", "FIRST", "gamma value").await,
        201
    );
    assert_eq!(restarted.terminate(), Some(0));
}

/// A rotation with a bad new key, and the message it must fail with.
struct BadNewKey {
    new_key_file: String,
    env: Vec<(&'static str, String)>,
    message: String,
}

#[test]
fn rotation_bad_input_changes_nothing() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = data_dir_with_secrets(dir.path());
    let old_key_text = fs::read_to_string(key_file(&data_dir)).expect("read key file");
    let old_rows = data_key_rows(&data_dir);

    let write_key_file = |name: &str, text: &str, mode: u32| {
        let path = dir.path().join(name);
        fs::write(&path, text).expect("write");
        fs::set_permissions(&path, Permissions::from_mode(mode)).expect("chmod");
        path.to_str().expect("UTF-8").to_owned()
    };
    let missing = dir
        .path()
        .join("missing.key")
        .to_str()
        .expect("UTF-8")
        .to_owned();
    let malformed = write_key_file("malformed.key", "not a key\n", 0o600);
    let readable = write_key_file("readable.key", &"33".repeat(32), 0o644);
    let current = write_key_file("current.key", &old_key_text, 0o600);
    let valid = write_key_file("valid.key", &"44".repeat(32), 0o600);
    let new_key_env = "55".repeat(32);

    let case = |new_key_file: &str, env: &[(&'static str, &str)], message: String| BadNewKey {
        new_key_file: new_key_file.to_owned(),
        env: env
            .iter()
            .map(|(name, value)| (*name, value.to_string()))
            .collect(),
        message,
    };
    let cases = [
        case(
            &missing,
            &[],
            format!("the master key file {missing} does not exist"),
        ),
        case(
            &malformed,
            &[],
            "expected 64 hexadecimal characters".to_owned(),
        ),
        case(&readable, &[], format!("chmod 600 {readable}")),
        case(
            &current,
            &[],
            "the new master key is the current master key".to_owned(),
        ),
        case(
            &valid,
            &[("SECRETS_NEW_MASTER_KEY", &new_key_env)],
            "use only one of them".to_owned(),
        ),
    ];
    for case in cases {
        let env: Vec<(&str, &str)> = case
            .env
            .iter()
            .map(|(name, value)| (*name, value.as_str()))
            .collect();
        let (code, command) = rotate(&data_dir, &["--new-key-file", &case.new_key_file], &env);

        let name = &case.new_key_file;
        assert_eq!(code, Some(1), "{name}");
        let stderr = command.stderr();
        assert!(stderr.contains(&case.message), "{name}: {stderr}");
        assert!(command.stdout().is_empty(), "{name}");
        assert_eq!(
            fs::read_to_string(key_file(&data_dir)).expect("read key file"),
            old_key_text,
            "{name}"
        );
        assert!(!pending_key_file(&data_dir).exists(), "{name}");
        assert_eq!(data_key_rows(&data_dir), old_rows, "{name}");
    }

    assert_secrets_readable(&data_dir);
}

#[test]
fn rotation_environment_key_needs_new_key() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = dir.path().join("data");
    let old_key = "11".repeat(32);
    add_member(
        &data_dir,
        "acme",
        "owner",
        &[("SECRETS_MASTER_KEY", &old_key)],
    );

    let (code, command) = rotate(&data_dir, &[], &[("SECRETS_MASTER_KEY", &old_key)]);

    assert_eq!(code, Some(1));
    let stderr = command.stderr();
    assert!(
        stderr.contains("pass the new key with --new-key-file PATH or SECRETS_NEW_MASTER_KEY"),
        "{stderr}"
    );
    assert!(!key_file(&data_dir).exists());
    let old = MasterKey::from_hex(&old_key, "old key").expect("old key");
    assert!(common::try_open_store(&data_dir, old).is_ok());
}

#[test]
fn rotation_without_database_rejected() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = dir.path().join("data");

    let (code, command) = rotate(&data_dir, &[], &[]);

    assert_eq!(code, Some(1));
    let stderr = command.stderr();
    assert!(stderr.contains("no database found at"), "{stderr}");
    assert!(!data_dir.exists());
}

#[test]
fn rotation_stopped_after_commit_finished_at_start() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = data_dir_with_secrets(dir.path());
    let old_key_text = fs::read_to_string(key_file(&data_dir)).expect("read key file");
    let running = open_with_key_file(&data_dir);

    // Do what `rotate-master-key` does, but stop before the rename.
    let new_key = MasterKey::generate();
    let new_key_id = new_key.id().as_str().to_owned();
    write_pending_key_file(&key_file(&data_dir), &new_key).expect("write pending key file");
    open_with_key_file(&data_dir)
        .rotate_master_key(new_key)
        .expect("rotate");
    assert_eq!(
        fs::read_to_string(key_file(&data_dir)).expect("read key file"),
        old_key_text
    );

    // A store opened before the rotation finds the new key in the pending
    // key file when it wraps a new data key.
    store_secret(&running, "gamma", "API_KEY", "gamma value");
    drop(running);

    // The next start renames the pending key file over the key file.
    let (mut server, _) = Binary::serve(&data_dir, &dir.path().join("dist"), &[]);
    assert_eq!(server.terminate(), Some(0));
    let stderr = server.stderr();
    assert!(
        stderr.contains("a master key rotation stopped before it replaced the key file"),
        "{stderr}"
    );
    assert!(!pending_key_file(&data_dir).exists());
    assert_eq!(key_file_id(&data_dir), new_key_id);
    assert_secrets_readable(&data_dir);
    let store = open_with_key_file(&data_dir);
    assert_eq!(stored_value(&store, "gamma", "API_KEY"), "gamma value");
}

#[test]
fn rotation_stopped_before_commit_ignored() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = data_dir_with_secrets(dir.path());
    let unused_key = MasterKey::generate();
    write_pending_key_file(&key_file(&data_dir), &unused_key).expect("write pending key file");

    // The database still uses the key file's key, so the pending file is
    // left alone at start.
    assert_secrets_readable(&data_dir);
    assert!(pending_key_file(&data_dir).exists());

    // The next rotation replaces the leftover pending file.
    let (code, command) = rotate(&data_dir, &[], &[]);
    assert_eq!(code, Some(0), "{}", command.stderr());
    assert!(
        command
            .stderr()
            .contains("replaced a pending master key file left by an earlier rotation"),
        "{}",
        command.stderr()
    );
    assert_ne!(key_file_id(&data_dir), unused_key.id().as_str());
    assert!(!pending_key_file(&data_dir).exists());
    assert_secrets_readable(&data_dir);
}

#[test]
fn rotate_help_describes_options() {
    let mut help = Binary::spawn(&["rotate-master-key", "--help"], &[]);

    assert_eq!(help.wait(), Some(0));
    let stdout = help.stdout();
    for text in [
        "--data-dir <DATA_DIR>",
        "--new-key-file <PATH>",
        "SECRETS_NEW_MASTER_KEY",
        "master.key.new",
    ] {
        assert!(stdout.contains(text), "{text}: {stdout}");
    }
}

#[test]
fn rotation_while_another_runs_rejected() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = data_dir_with_secrets(dir.path());
    let old_key_text = fs::read_to_string(key_file(&data_dir)).expect("read key file");
    let old_rows = data_key_rows(&data_dir);

    // Another rotation holds the lock, as a running rotate-master-key does.
    let lock = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(data_dir.join("rotate-master-key.lock"))
        .expect("open lock file");
    lock.lock().expect("lock");

    let (status, command) = rotate(&data_dir, &[], &[]);
    assert_eq!(status, Some(1), "{}", command.stderr());
    assert!(
        command
            .stderr()
            .contains("another rotate-master-key is running"),
        "{}",
        command.stderr()
    );
    assert_eq!(
        fs::read_to_string(key_file(&data_dir)).expect("read key file"),
        old_key_text
    );
    assert!(!pending_key_file(&data_dir).exists());
    assert_eq!(data_key_rows(&data_dir), old_rows);

    // Once the lock is free, a rotation runs.
    drop(lock);
    let (status, command) = rotate(&data_dir, &[], &[]);
    assert_eq!(status, Some(0), "{}", command.stderr());
    assert_secrets_readable(&data_dir);
}
