//! Encryption at rest: ciphertexts are bound to their row, and the master
//! key is checked at startup.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::{test_master_key, TestServer};
use secrets_core::{CompanyId, SecretKey};
use secrets_server::crypto::MasterKey;
use secrets_server::store::{Store, StoreError};

fn company(id: &str) -> CompanyId {
    CompanyId::parse(id).expect("valid company")
}

fn key(text: &str) -> SecretKey {
    SecretKey::parse(text).expect("valid key")
}

/// Copies the nonce and ciphertext of one secret row over another.
fn copy_ciphertext(server: &TestServer, from: (&str, &str), to: (&str, &str)) {
    let changed = server
        .database()
        .execute(
            "UPDATE secrets SET (nonce, ciphertext) =
                (SELECT nonce, ciphertext FROM secrets WHERE company_id = ?1 AND key = ?2)
             WHERE company_id = ?3 AND key = ?4",
            [from.0, from.1, to.0, to.1],
        )
        .expect("copy ciphertext");
    assert_eq!(changed, 1);
}

#[tokio::test]
async fn ciphertext_copied_to_other_key_fails() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    server
        .create_ok(&token, "acme", "SOURCE", "source value")
        .await;
    server
        .create_ok(&token, "acme", "TARGET", "target value")
        .await;

    copy_ciphertext(&server, ("acme", "SOURCE"), ("acme", "TARGET"));

    let opened = server.store().open_value(&company("acme"), &key("TARGET"));
    assert!(matches!(opened, Err(StoreError::Crypto(_))), "{opened:?}");
    assert!(server
        .store()
        .open_value(&company("acme"), &key("SOURCE"))
        .is_ok());
}

#[tokio::test]
async fn ciphertext_copied_to_other_company_fails() {
    let server = TestServer::start().await;
    let acme = server.api_token("acme", "owner");
    let beta = server.api_token("beta", "owner");
    server
        .create_ok(&acme, "acme", "API_KEY", "acme value")
        .await;
    server
        .create_ok(&beta, "beta", "API_KEY", "beta value")
        .await;

    copy_ciphertext(&server, ("acme", "API_KEY"), ("beta", "API_KEY"));

    let opened = server.store().open_value(&company("beta"), &key("API_KEY"));
    assert!(matches!(opened, Err(StoreError::Crypto(_))), "{opened:?}");
}

#[tokio::test]
async fn database_holds_no_plaintext() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    server
        .create_ok(&token, "acme", "API_KEY", "plaintext-marker-5a1d")
        .await;

    let ciphertext: Vec<u8> = server
        .database()
        .query_row("SELECT ciphertext FROM secrets", [], |row| row.get(0))
        .expect("row");

    assert!(!ciphertext.windows(5).any(|window| window == b"plain"));
    assert_eq!(ciphertext.len(), "plaintext-marker-5a1d".len() + 16);
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
    let request: secrets_core::api::CreateSecretRequest =
        serde_json::from_str(r#"{"key":"API_KEY","value":"kept\n"}"#).expect("request");
    store
        .create_secret(
            &company("acme"),
            &member,
            &request.validate().expect("valid"),
        )
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
