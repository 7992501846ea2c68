//! The migration from schema 3, whose values the server sealed with each
//! company's data key, to schema 4, whose values are sealed to each
//! company's public key.

mod common;

use std::collections::HashSet;
use std::path::Path;

use common::{stored_value, test_master_key, values_by_key, TestServer};
use rusqlite::{params, Connection};
use secrets_core::{CompanyId, SecretKey};
use secrets_server::crypto::value_associated_data;
use secrets_server::store::{ConglomerateId, MemberName, Store};

/// Returns the secrets of the schema-3 database: (company, key,
/// description, value).
fn old_secrets() -> Vec<(&'static str, &'static str, &'static str, String)> {
    vec![
        (
            "acme",
            "PEM",
            "Signing key",
            "-----BEGIN KEY-----\r\nMIIB\n-----END KEY-----\n".to_owned(),
        ),
        ("acme", "SPACES", "", "  leading spaces".to_owned()),
        ("beta", "UNICODE", "", "Grüße 日本語 🔑".to_owned()),
        ("beta", "LARGE", "", "0123456789abcdef".repeat(2048)),
    ]
}

/// The `secrets` table as schema 3 defined it.
const SCHEMA_3_SECRETS: &str = "
CREATE TABLE secrets (
    id          INTEGER PRIMARY KEY,
    company_id  TEXT NOT NULL REFERENCES companies(id),
    key         TEXT NOT NULL,
    description TEXT NOT NULL,
    nonce       BLOB NOT NULL,
    ciphertext  BLOB NOT NULL,
    created_at  INTEGER NOT NULL,
    created_by  INTEGER NOT NULL REFERENCES members(id),
    UNIQUE (company_id, key)
) STRICT;";

/// Writes a database at schema 3 into `data_dir`, with [`old_secrets`]
/// sealed as schema 3 sealed them, and the company `gamma` without
/// secrets. Returns the old ciphertexts.
///
/// The database starts at the current schema, whose companies, members,
/// data keys and master key check are those of schema 3, and then has the
/// tables of schema 4 replaced by the `secrets` table of schema 3.
fn write_schema_3_database(data_dir: &Path) -> Vec<Vec<u8>> {
    let store = Store::open(data_dir, test_master_key()).expect("open store");
    let owner = MemberName::parse("owner").expect("valid name");
    for company in ["acme", "beta", "gamma"] {
        store
            .ensure_member(&CompanyId::parse(company).expect("valid"), &owner)
            .expect("member");
    }
    drop(store);

    let connection = Connection::open(data_dir.join("secrets.db")).expect("open database");
    connection
        .execute_batch(&format!(
            "PRAGMA foreign_keys = OFF;
             DROP TABLE task_secrets; DROP TABLE tasks; DROP TABLE runners;
             DROP TABLE company_keys; DROP TABLE secrets;
             {SCHEMA_3_SECRETS}"
        ))
        .expect("schema 3 tables");
    // Gamma had no secrets, so schema 3 had no data key for it.
    connection
        .execute("DELETE FROM data_keys WHERE company_id = 'gamma'", [])
        .expect("delete data key");

    let mut ciphertexts = Vec::new();
    for (company, key, description, value) in old_secrets() {
        let company = CompanyId::parse(company).expect("valid company");
        let key = SecretKey::parse(key).expect("valid key");
        let (nonce, wrapped): (Vec<u8>, Vec<u8>) = connection
            .query_row(
                "SELECT nonce, wrapped_key FROM data_keys WHERE company_id = ?1",
                [company.as_str()],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .expect("data key");
        let data_key = test_master_key()
            .unwrap_data_key(&company, &nonce, &wrapped)
            .expect("unwrap data key");
        let sealed = data_key
            .seal(&value_associated_data(&company, &key), value.as_bytes())
            .expect("seal");
        connection
            .execute(
                "INSERT INTO secrets (company_id, key, description, nonce, ciphertext, created_at, created_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, 1700000000,
                         (SELECT id FROM members WHERE conglomerate_id = ?1))",
                params![
                    company.as_str(),
                    key.as_str(),
                    description,
                    &sealed.nonce[..],
                    &sealed.ciphertext
                ],
            )
            .expect("insert secret");
        ciphertexts.push(sealed.ciphertext);
    }
    connection
        .pragma_update(None, "user_version", 3)
        .expect("version");
    ciphertexts
}

/// Returns how many 16-byte pieces of `ciphertext` the database files
/// contain. Pieces, because SQLite splits a large value across overflow
/// pages; random 16-byte pieces occur nowhere else.
fn pieces_in_database_files(data_dir: &Path, ciphertext: &[u8]) -> usize {
    let files: Vec<Vec<u8>> = ["secrets.db", "secrets.db-wal", "secrets.db-shm"]
        .iter()
        .filter_map(|file| std::fs::read(data_dir.join(file)).ok())
        .collect();
    let windows: HashSet<&[u8]> = files.iter().flat_map(|bytes| bytes.windows(16)).collect();
    ciphertext
        .chunks_exact(16)
        .filter(|piece| windows.contains(piece))
        .count()
}

#[tokio::test]
async fn schema_3_values_sealed_to_public_keys() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = dir.path().join("data");
    let old_ciphertexts = write_schema_3_database(&data_dir);
    for ciphertext in &old_ciphertexts {
        assert!(pieces_in_database_files(&data_dir, ciphertext) > 0);
    }

    let dist_dir = dir.path().join("dist");
    let server = TestServer::start_in(dir, dist_dir).await;

    // A task of each company receives every value byte for byte.
    for company in ["acme", "beta"] {
        let runner = server.runner_token(company, "agents");
        let task = server.start_task_ok(&runner, company).await;
        let mut expected: Vec<(String, String)> = old_secrets()
            .into_iter()
            .filter(|secret| secret.0 == company)
            .map(|(_, key, _, value)| (key.to_owned(), value))
            .collect();
        expected.sort();
        assert_eq!(values_by_key(&server.task_secrets(&task).await), expected);
    }
    for (company, key, _, value) in old_secrets() {
        assert_eq!(
            stored_value(server.store(), company, key).as_bytes(),
            value.as_bytes(),
            "{company} {key}"
        );
    }
    // The rows keep their IDs, descriptions and creators, and name the
    // public key they are sealed to. The tasks above used them.
    let token = server.api_token("acme", "owner");
    let acme_key_id = server.public_key(&token, "acme").await.key_id;
    let rows: Vec<(i64, String, String, String)> = server
        .database()
        .prepare(
            "SELECT id, key, description, key_id FROM secrets
             WHERE company_id = 'acme' ORDER BY id",
        )
        .expect("prepare")
        .query_map([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(
        rows,
        [
            (1, "PEM".into(), "Signing key".into(), acme_key_id.clone()),
            (2, "SPACES".into(), "".into(), acme_key_id),
        ]
    );
    let listed = server
        .store()
        .list_secrets(&CompanyId::parse("acme").expect("valid"))
        .expect("list");
    assert_eq!(listed[0].created_by, "owner");
    assert_eq!(listed[0].created_at, "2023-11-14T22:13:20Z");
    assert!(listed[0].last_used_at.is_some());

    // The values sealed with the data keys are gone from the files.
    for ciphertext in &old_ciphertexts {
        assert_eq!(
            pieces_in_database_files(&server.dir.path().join("data"), ciphertext),
            0
        );
    }

    // A company without secrets gets its key pair on the first request.
    assert_eq!(server.count("SELECT COUNT(*) FROM company_keys"), 2);
    let gamma = ConglomerateId::parse("gamma").expect("valid");
    let owner = MemberName::parse("owner").expect("valid");
    let member = server.store().find_member(&gamma, &owner).expect("member");
    let (_, token) = server.store().issue_api_token(&member).expect("token");
    server.public_key(token.expose(), "gamma").await;
    assert_eq!(server.count("SELECT COUNT(*) FROM company_keys"), 3);
}
