//! Encryption at rest. Each company's values are sealed to its own key
//! pair, whose secret key is stored only sealed with the company's data
//! key, which is stored only wrapped by the master key. The master key is
//! checked at startup.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::{database_files_contain, new_secret, test_master_key, TestServer};
use secrets_core::{CompanyId, SecretKey};
use secrets_server::crypto::{data_key_associated_data, MasterKey};
use secrets_server::store::{Store, StoreError};
use zeroize::Zeroizing;

fn company(id: &str) -> CompanyId {
    CompanyId::parse(id).expect("valid company")
}

fn key(text: &str) -> SecretKey {
    SecretKey::parse(text).expect("valid key")
}

/// A row of `data_keys`.
struct WrappedDataKey {
    company: String,
    master_key_id: String,
    nonce: Vec<u8>,
    wrapped_key: Vec<u8>,
}

fn wrapped_data_keys(server: &TestServer) -> Vec<WrappedDataKey> {
    server
        .database()
        .prepare(
            "SELECT company_id, master_key_id, nonce, wrapped_key FROM data_keys ORDER BY company_id",
        )
        .expect("prepare")
        .query_map([], |row| {
            Ok(WrappedDataKey {
                company: row.get(0)?,
                master_key_id: row.get(1)?,
                nonce: row.get(2)?,
                wrapped_key: row.get(3)?,
            })
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

/// Unwraps a stored data key with the test master key and returns its
/// plaintext bytes.
fn unwrap_with_test_key(stored: &WrappedDataKey) -> Zeroizing<Vec<u8>> {
    test_master_key()
        .open(
            &data_key_associated_data(&company(&stored.company)),
            &stored.nonce,
            &stored.wrapped_key,
        )
        .expect("unwrap data key")
}

/// Starts a server with secrets in the companies `acme` and `beta`.
async fn server_with_two_companies() -> TestServer {
    let server = TestServer::start().await;
    let acme = server.api_token("acme", "owner");
    let beta = server.api_token("beta", "owner");
    server
        .create_ok(&acme, "acme", "API_KEY", "acme value")
        .await;
    server.create_ok(&acme, "acme", "DB_URL", "acme url").await;
    server
        .create_ok(&beta, "beta", "API_KEY", "beta value")
        .await;
    server
}

#[tokio::test]
async fn data_keys_differ_per_company() {
    let server = server_with_two_companies().await;

    let stored = wrapped_data_keys(&server);

    let companies: Vec<&str> = stored.iter().map(|row| row.company.as_str()).collect();
    assert_eq!(companies, ["acme", "beta"]);
    for row in &stored {
        assert_eq!(row.master_key_id, test_master_key().id().as_str());
    }
    let acme_key = unwrap_with_test_key(&stored[0]);
    let beta_key = unwrap_with_test_key(&stored[1]);
    assert_eq!(acme_key.len(), 32);
    assert_ne!(acme_key, beta_key);
}

#[tokio::test]
async fn database_holds_no_unwrapped_data_key() {
    let server = server_with_two_companies().await;
    let data_dir = server.dir.path().join("data");

    for row in wrapped_data_keys(&server) {
        let data_key = unwrap_with_test_key(&row);
        assert!(
            !database_files_contain(&data_dir, &data_key),
            "{}",
            row.company
        );
        assert!(!row
            .wrapped_key
            .windows(data_key.len())
            .any(|window| window == &data_key[..]));
    }
}

#[tokio::test]
async fn data_key_created_with_company_key_pair() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    let data_keys = || server.count("SELECT COUNT(*) FROM data_keys");
    let key_pairs = || server.count("SELECT COUNT(*) FROM company_keys");
    assert_eq!((data_keys(), key_pairs()), (1, 1));

    server.create_ok(&token, "acme", "FIRST", "v").await;
    server.create_ok(&token, "acme", "SECOND", "v").await;
    assert_eq!((data_keys(), key_pairs()), (1, 1));

    // A company from before key pairs existed gets its data key and key
    // pair with the first request for its public key.
    server
        .database()
        .execute(
            "INSERT INTO companies (id, conglomerate_id, created_at) VALUES ('acme-old', 'acme', 0)",
            [],
        )
        .expect("insert company");
    assert_eq!((data_keys(), key_pairs()), (1, 1));
    let first = server.public_key(&token, "acme-old").await;
    assert_eq!((data_keys(), key_pairs()), (2, 2));
    let second = server.public_key(&token, "acme-old").await;
    assert_eq!(second, first);
    assert_eq!((data_keys(), key_pairs()), (2, 2));
}

#[tokio::test]
async fn wrapped_data_key_copied_to_other_company_fails() {
    let server = server_with_two_companies().await;
    let changed = server
        .database()
        .execute(
            "UPDATE data_keys SET (nonce, wrapped_key) =
                (SELECT nonce, wrapped_key FROM data_keys WHERE company_id = 'acme')
             WHERE company_id = 'beta'",
            [],
        )
        .expect("copy wrapped key");
    assert_eq!(changed, 1);

    // A second store has not cached beta's data key, so it unwraps the row,
    // and must not open beta's key pair with acme's data key instead.
    let store =
        Store::open(&server.dir.path().join("data"), test_master_key()).expect("open store");

    let opened = store.open_value(&company("beta"), &key("API_KEY"));
    assert!(matches!(opened, Err(StoreError::Crypto(_))), "{opened:?}");
    assert!(store.open_value(&company("acme"), &key("API_KEY")).is_ok());
}

#[tokio::test]
async fn sealed_value_copied_to_other_company_fails() {
    let server = server_with_two_companies().await;

    // Each company has its own key pair, so a sealed value copied into
    // another company's row cannot be opened there.
    let changed = server
        .database()
        .execute(
            "UPDATE secrets SET sealed_value =
                (SELECT sealed_value FROM secrets WHERE company_id = 'acme' AND key = 'API_KEY')
             WHERE company_id = 'beta' AND key = 'API_KEY'",
            [],
        )
        .expect("copy sealed value");
    assert_eq!(changed, 1);

    let opened = server.store().open_value(&company("beta"), &key("API_KEY"));
    assert!(
        matches!(opened, Err(StoreError::CorruptValue)),
        "{opened:?}"
    );
}

#[tokio::test]
async fn key_pairs_differ_per_company() {
    let server = server_with_two_companies().await;
    let acme = server
        .public_key(&server.api_token("acme", "owner"), "acme")
        .await;
    let beta = server
        .public_key(&server.api_token("beta", "owner"), "beta")
        .await;

    assert_ne!(acme.public_key, beta.public_key);
    assert_ne!(acme.key_id, beta.key_id);
    let stored: Vec<String> = server
        .database()
        .prepare("SELECT key_id FROM secrets ORDER BY company_id, key")
        .expect("prepare")
        .query_map([], |row| row.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(stored, [acme.key_id.clone(), acme.key_id, beta.key_id]);
}

#[tokio::test]
async fn database_holds_no_plaintext() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    server
        .create_ok(&token, "acme", "API_KEY", "plaintext-marker-5a1d")
        .await;

    let sealed: Vec<u8> = server
        .database()
        .query_row("SELECT sealed_value FROM secrets", [], |row| row.get(0))
        .expect("row");

    assert!(!sealed.windows(5).any(|window| window == b"plain"));
    assert_eq!(sealed.len(), "plaintext-marker-5a1d".len() + 48);
    let data_dir = server.dir.path().join("data");
    assert!(!database_files_contain(&data_dir, b"plaintext-marker"));
}

#[test]
fn master_key_file_created_owner_only() {
    let dir = tempfile::tempdir().expect("temporary directory");

    let (_key, _source) = MasterKey::load_or_create(dir.path()).expect("create key");

    let metadata = std::fs::metadata(dir.path().join("master.key")).expect("key file");
    assert_eq!(metadata.permissions().mode() & 0o777, 0o600);
    let text = std::fs::read_to_string(dir.path().join("master.key")).expect("read");
    assert_eq!(text.trim().len(), 64);
}

#[test]
fn master_key_file_reused_on_restart() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = dir.path().join("data");
    std::fs::create_dir(&data_dir).expect("data dir");
    let (first_key, _) = MasterKey::load_or_create(&data_dir).expect("create key");
    let first_text = std::fs::read_to_string(data_dir.join("master.key")).expect("read");

    let store = Store::open(&data_dir, first_key).expect("open");
    drop(store);
    let (second_key, _) = MasterKey::load_or_create(&data_dir).expect("load key");

    assert!(Store::open(&data_dir, second_key).is_ok());
    assert_eq!(
        std::fs::read_to_string(data_dir.join("master.key")).expect("read"),
        first_text
    );
}

#[test]
fn store_reopened_decrypts_old_values() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = dir.path().join("data");
    let store = Store::open(&data_dir, test_master_key()).expect("open");
    let name = secrets_server::store::MemberName::parse("owner").expect("name");
    let member = store
        .ensure_member(&company("acme"), &name)
        .expect("member");
    let secret = new_secret(&store, "acme", "API_KEY", "kept\n");
    store
        .create_secret(&company("acme"), &member, &secret)
        .expect("create");
    drop(store);

    let reopened = Store::open(&data_dir, test_master_key()).expect("reopen");

    let value = reopened
        .open_value(&company("acme"), &key("API_KEY"))
        .expect("open value");
    assert_eq!(value.expose(), "kept\n");
}

#[test]
fn store_wrong_master_key_rejected() {
    let dir = tempfile::tempdir().expect("temporary directory");
    drop(Store::open(dir.path(), test_master_key()).expect("open"));
    let other = MasterKey::from_hex(&"ab".repeat(32), "test").expect("key");

    let reopened = Store::open(dir.path(), other);

    assert!(
        matches!(reopened, Err(StoreError::WrongMasterKey { .. })),
        "{reopened:?}"
    );
}
