//! Schema migrations, tracked by `PRAGMA user_version`, and the master key
//! check.
//!
//! Migration `N` (1-based) moves the schema from version `N - 1` to `N`.
//! Append new migrations; never edit one that has shipped.
//!
//! Migrations run with foreign key enforcement off, as SQLite requires for
//! rebuilding a table that other tables reference, and
//! `PRAGMA foreign_key_check` must find no broken reference before the
//! migration commits.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::StoreError;
use crate::crypto::MasterKey;

const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE companies (
    id          TEXT PRIMARY KEY,
    created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE members (
    id          INTEGER PRIMARY KEY,
    company_id  TEXT NOT NULL REFERENCES companies(id),
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (company_id, name)
) STRICT;

-- Only the SHA-256 hash of a token is stored, so a copy of the database
-- does not let anyone sign in.
CREATE TABLE credentials (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    member_id   INTEGER NOT NULL REFERENCES members(id),
    kind        TEXT NOT NULL CHECK (kind IN ('api', 'login', 'session')),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER,
    used_at     INTEGER
) STRICT;

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
) STRICT;

-- The member's name is copied so that an event stays readable after the
-- member is renamed or removed. 'updated' is accepted already so that
-- editing descriptions needs no table rebuild.
CREATE TABLE activity_events (
    id          INTEGER PRIMARY KEY,
    company_id  TEXT NOT NULL REFERENCES companies(id),
    action      TEXT NOT NULL CHECK (action IN ('added', 'updated', 'removed')),
    key         TEXT NOT NULL,
    member_id   INTEGER NOT NULL,
    member_name TEXT NOT NULL,
    occurred_at INTEGER NOT NULL
) STRICT;

CREATE INDEX activity_events_by_company ON activity_events (company_id, occurred_at);

CREATE TABLE meta (
    name        TEXT PRIMARY KEY,
    nonce       BLOB NOT NULL,
    ciphertext  BLOB NOT NULL
) STRICT;
"#,
    // Conglomerates: members belong to a conglomerate and manage every company
    // in it. Each existing company becomes a conglomerate of its own, with the
    // same ID, and keeps its members, so existing credentials keep working.
    r#"
CREATE TABLE conglomerates (
    id          TEXT PRIMARY KEY,
    created_at  INTEGER NOT NULL
) STRICT;

INSERT INTO conglomerates (id, created_at) SELECT id, created_at FROM companies;

CREATE TABLE companies_new (
    id              TEXT PRIMARY KEY,
    conglomerate_id TEXT NOT NULL REFERENCES conglomerates(id),
    created_at      INTEGER NOT NULL
) STRICT;
INSERT INTO companies_new (id, conglomerate_id, created_at) SELECT id, id, created_at FROM companies;
DROP TABLE companies;
ALTER TABLE companies_new RENAME TO companies;
CREATE INDEX companies_by_conglomerate ON companies (conglomerate_id);

-- A removed member keeps its row, so that the secrets it added still name
-- it, but it has no credentials and `removed_at` is set.
CREATE TABLE members_new (
    id              INTEGER PRIMARY KEY,
    conglomerate_id TEXT NOT NULL REFERENCES conglomerates(id),
    name            TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    removed_at      INTEGER,
    UNIQUE (conglomerate_id, name)
) STRICT;
INSERT INTO members_new (id, conglomerate_id, name, created_at)
    SELECT id, company_id, name, created_at FROM members;
DROP TABLE members;
ALTER TABLE members_new RENAME TO members;

-- `company_id` is the company whose section a login link opens; other
-- kinds leave it NULL. A revoked credential keeps its row until it is
-- deleted, so that `token list` can show it.
ALTER TABLE credentials ADD COLUMN company_id TEXT REFERENCES companies(id);
ALTER TABLE credentials ADD COLUMN revoked_at INTEGER;
CREATE INDEX credentials_by_member ON credentials (member_id);
UPDATE credentials SET company_id = (SELECT m.conglomerate_id FROM members m WHERE m.id = credentials.member_id)
    WHERE kind = 'login';

CREATE INDEX activity_events_by_company_id ON activity_events (company_id, id);
"#,
];

const MASTER_KEY_CHECK_NAME: &str = "master_key_check";
const MASTER_KEY_CHECK_PLAINTEXT: &[u8] = b"secrets master key check";
const MASTER_KEY_CHECK_ASSOCIATED_DATA: &[u8] = b"secrets/v1\0meta\0master_key_check";

/// Applies every migration newer than the database's `user_version`.
pub(super) fn migrate(connection: &mut Connection) -> Result<(), StoreError> {
    // The pragma has no effect inside a transaction, so it is switched
    // around it, and back on even when a migration fails.
    connection.pragma_update(None, "foreign_keys", "OFF")?;
    let result = migrate_without_foreign_keys(connection);
    connection.pragma_update(None, "foreign_keys", "ON")?;
    result
}

fn migrate_without_foreign_keys(connection: &mut Connection) -> Result<(), StoreError> {
    // IMMEDIATE, so that two processes starting on a new file do not both
    // run the first migration.
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version: i64 = transaction.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    let supported = MIGRATIONS.len() as i64;
    if version > supported {
        return Err(StoreError::SchemaTooNew {
            found: version,
            supported,
        });
    }

    for (index, migration) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        transaction.execute_batch(migration)?;
        let new_version = index as i64 + 1;
        transaction.pragma_update(None, "user_version", new_version)?;
        tracing::info!(version = new_version, "applied database migration");
    }
    let broken_references = transaction
        .prepare("PRAGMA foreign_key_check")?
        .query_map([], |row| row.get::<_, String>(0))?
        .count();
    if broken_references > 0 {
        return Err(StoreError::BrokenReferences(broken_references));
    }
    transaction.commit()?;
    Ok(())
}

/// Checks that `master_key` decrypts the check value stored in `meta`, and
/// stores one when the database has none yet.
pub(super) fn check_master_key(
    connection: &mut Connection,
    master_key: &MasterKey,
    data_dir: &Path,
) -> Result<(), StoreError> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let stored: Option<(Vec<u8>, Vec<u8>)> = transaction
        .query_row(
            "SELECT nonce, ciphertext FROM meta WHERE name = ?1",
            [MASTER_KEY_CHECK_NAME],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;

    match stored {
        Some((nonce, ciphertext)) => {
            let opened = master_key.open(MASTER_KEY_CHECK_ASSOCIATED_DATA, &nonce, &ciphertext);
            if !opened.is_ok_and(|plaintext| plaintext[..] == *MASTER_KEY_CHECK_PLAINTEXT) {
                return Err(StoreError::WrongMasterKey {
                    data_dir: data_dir.to_owned(),
                });
            }
        }
        None => {
            let sealed =
                master_key.seal(MASTER_KEY_CHECK_ASSOCIATED_DATA, MASTER_KEY_CHECK_PLAINTEXT)?;
            transaction.execute(
                "INSERT INTO meta (name, nonce, ciphertext) VALUES (?1, ?2, ?3)",
                params![MASTER_KEY_CHECK_NAME, &sealed.nonce[..], sealed.ciphertext],
            )?;
        }
    }
    transaction.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use rusqlite::params;
    use secrets_core::CompanyId;

    use super::super::credentials::hash_token;
    use super::super::{CredentialKind, Store};
    use super::*;

    /// Writes a database at schema version 1 with one company, member,
    /// API token, login link and activity event, as the first release
    /// stored them.
    fn write_first_schema(path: &Path, token: &str) {
        let connection = Connection::open(path).expect("open");
        connection
            .execute_batch(MIGRATIONS[0])
            .expect("first migration");
        connection
            .pragma_update(None, "user_version", 1)
            .expect("version");
        connection
            .execute_batch(
                "INSERT INTO companies (id, created_at) VALUES ('acme', 1), ('beta', 2);
                 INSERT INTO members (id, company_id, name, created_at) VALUES (7, 'acme', 'owner', 1);
                 INSERT INTO activity_events (company_id, action, key, member_id, member_name, occurred_at)
                     VALUES ('acme', 'added', 'OLD_KEY', 7, 'owner', 1);",
            )
            .expect("rows");
        connection
            .execute(
                "INSERT INTO credentials (token_hash, member_id, kind, created_at, expires_at)
                 VALUES (?1, 7, 'api', 1, NULL), ('login-hash', 7, 'login', 1, 2)",
                params![hash_token(token)],
            )
            .expect("credential");
    }

    #[test]
    fn migration_keeps_first_schema_access() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let token = "ab".repeat(32);
        write_first_schema(&dir.path().join("secrets.db"), &token);

        let store = Store::open(
            dir.path(),
            MasterKey::from_hex(&"11".repeat(32), "test").expect("key"),
        )
        .expect("open and migrate");

        // Each company became a conglomerate of the same ID, and the
        // member of acme manages acme and nothing else.
        let member = store
            .authenticate(&token, CredentialKind::Api)
            .expect("authenticate")
            .expect("the old token still works");
        assert_eq!(member.id, 7);
        assert_eq!(member.conglomerate.as_str(), "acme");
        let acme = CompanyId::parse("acme").expect("valid");
        let beta = CompanyId::parse("beta").expect("valid");
        assert!(store.may_manage(&member, &acme).expect("check"));
        assert!(!store.may_manage(&member, &beta).expect("check"));
        assert_eq!(store.conglomerate_of(&beta).expect("beta").as_str(), "beta");

        // The old login link now opens its member's company.
        let connection = Connection::open(dir.path().join("secrets.db")).expect("open");
        let link_company: String = connection
            .query_row(
                "SELECT company_id FROM credentials WHERE kind = 'login'",
                [],
                |row| row.get(0),
            )
            .expect("login link");
        assert_eq!(link_company, "acme");
        let events: i64 = connection
            .query_row("SELECT COUNT(*) FROM activity_events", [], |row| row.get(0))
            .expect("count");
        assert_eq!(events, 1);
    }

    #[test]
    fn migration_broken_reference_rolls_back() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("secrets.db");
        write_first_schema(&path, &"cd".repeat(32));
        // A member of a company that does not exist: migration 2 would
        // turn it into a member of a missing conglomerate.
        let connection = Connection::open(&path).expect("open");
        connection
            .pragma_update(None, "foreign_keys", "OFF")
            .expect("pragma");
        connection
            .execute(
                "INSERT INTO members (id, company_id, name, created_at) VALUES (8, 'gone', 'x', 1)",
                [],
            )
            .expect("orphan");
        drop(connection);

        let mut connection = Connection::open(&path).expect("open");
        let error = migrate(&mut connection).expect_err("broken reference");
        assert!(
            matches!(error, StoreError::BrokenReferences(1)),
            "{error:?}"
        );
        let version: i64 = connection
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .expect("version");
        assert_eq!(version, 1, "nothing was committed");
    }
}
