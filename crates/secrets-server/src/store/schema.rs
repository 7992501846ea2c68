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

use rusqlite::TransactionBehavior;

use super::sql::{params, Connection, OptionalExtension, Transaction};
use super::{company_keys, data_keys, Database, StoreError};
use crate::crypto::{KeyId, MasterKey};

/// A step in Rust that runs after a migration's SQL, in the same
/// transaction, for changes that SQL cannot make, such as re-encryption.
/// It receives the master key that opened the store and the data directory.
type MigrationStep = fn(&Transaction<'_>, &MasterKey, &Path) -> Result<(), StoreError>;

/// One schema migration.
struct Migration {
    sql: &'static str,
    step: Option<MigrationStep>,
}

impl Migration {
    const fn sql(sql: &'static str) -> Self {
        Self { sql, step: None }
    }

    const fn with_step(sql: &'static str, step: MigrationStep) -> Self {
        Self {
            sql,
            step: Some(step),
        }
    }
}

const MIGRATIONS: &[Migration] = &[
    Migration::sql(
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
    ),
    // Conglomerates: members belong to a conglomerate and manage every company
    // in it. Each existing company becomes a conglomerate of its own, with the
    // same ID, and keeps its members, so existing credentials keep working.
    Migration::sql(
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

-- Activity pages are ordered by event ID, so the index by time is unused.
DROP INDEX activity_events_by_company;
CREATE INDEX activity_events_by_company_id ON activity_events (company_id, id);
"#,
    ),
    // Envelope encryption. The step seals every existing value again with
    // its company's new data key, because values of the first schema were
    // sealed with the master key itself.
    Migration::with_step(
        r#"
-- Each company's data key, wrapped by the master key whose key id is
-- stored beside it. The plaintext data key is never stored.
CREATE TABLE data_keys (
    company_id    TEXT PRIMARY KEY REFERENCES companies(id),
    master_key_id TEXT NOT NULL,
    nonce         BLOB NOT NULL,
    wrapped_key   BLOB NOT NULL,
    created_at    INTEGER NOT NULL
) STRICT;

-- The key id of the master key that sealed the row. For the master key
-- check it is the key id of the database's current master key.
ALTER TABLE meta ADD COLUMN master_key_id TEXT;
"#,
        data_keys::seal_values_with_data_keys,
    ),
    // Values sealed by the client to the company's public key, and tasks.
    // The step creates the key pair of every company that has secrets, and
    // seals each existing value to it, because the server must not read
    // values while it handles a request from the dashboard.
    Migration::with_step(
        r#"
-- Each company's X25519 key pair. Clients seal values to the public key;
-- the secret key is stored sealed with the company's data key, and is
-- opened only to hand values to a task.
CREATE TABLE company_keys (
    company_id         TEXT PRIMARY KEY REFERENCES companies(id),
    key_id             TEXT NOT NULL UNIQUE,
    public_key         BLOB NOT NULL,
    nonce              BLOB NOT NULL,
    wrapped_secret_key BLOB NOT NULL,
    created_at         INTEGER NOT NULL
) STRICT;

-- The step copies every row of the old table into the new one, with its
-- value sealed again, and then drops the old table.
ALTER TABLE secrets RENAME TO secrets_v3;

-- AUTOINCREMENT, so that a deleted secret's ID is never reused: a task's
-- snapshot names its secrets by ID, and must not mark a later secret with
-- the same key as used.
CREATE TABLE secrets (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id   TEXT NOT NULL REFERENCES companies(id),
    key          TEXT NOT NULL,
    description  TEXT NOT NULL,
    sealed_value BLOB NOT NULL,
    key_id       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    created_by   INTEGER NOT NULL REFERENCES members(id),
    last_used_at INTEGER,
    UNIQUE (company_id, key)
) STRICT;

-- A runner credential starts the tasks of one company. Only the SHA-256
-- hash of its token is stored.
CREATE TABLE runners (
    id          INTEGER PRIMARY KEY,
    company_id  TEXT NOT NULL REFERENCES companies(id),
    name        TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
) STRICT;
CREATE INDEX runners_by_company ON runners (company_id);

-- A task keeps its row after it finished or expired, without its
-- snapshot, as a record of which runner started it and when.
CREATE TABLE tasks (
    id          TEXT PRIMARY KEY,
    company_id  TEXT NOT NULL REFERENCES companies(id),
    runner_id   INTEGER NOT NULL REFERENCES runners(id),
    token_hash  TEXT NOT NULL UNIQUE,
    started_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    finished_at INTEGER
) STRICT;
CREATE INDEX tasks_by_expiry ON tasks (expires_at);
CREATE INDEX tasks_by_runner ON tasks (runner_id);

-- The company's secrets as they were when the task started: a copy, so
-- that deleting or adding secrets later does not change the snapshot.
-- `secret_id` has no foreign key, because the secret may be deleted while
-- the task runs.
CREATE TABLE task_secrets (
    task_id      TEXT NOT NULL REFERENCES tasks(id),
    secret_id    INTEGER NOT NULL,
    key          TEXT NOT NULL,
    description  TEXT NOT NULL,
    sealed_value BLOB NOT NULL,
    key_id       TEXT NOT NULL,
    PRIMARY KEY (task_id, key)
) STRICT;
"#,
        company_keys::seal_values_to_company_keys,
    ),
];

const MASTER_KEY_CHECK_NAME: &str = "master_key_check";
const MASTER_KEY_CHECK_PLAINTEXT: &[u8] = b"secrets master key check";
const MASTER_KEY_CHECK_ASSOCIATED_DATA: &[u8] = b"secrets/v1\0meta\0master_key_check";

/// Applies every migration newer than the database's `user_version`, all
/// in one transaction. A migration's Rust step gets `master_key`, which
/// the step must check before it uses it.
pub(super) fn migrate(
    connection: &mut rusqlite::Connection,
    master_key: &MasterKey,
    data_dir: &Path,
) -> Result<(), StoreError> {
    // The pragma has no effect inside a transaction, so it is switched
    // around it, and back on even when a migration fails.
    connection.pragma_update(None, "foreign_keys", "OFF")?;
    let result = migrate_without_foreign_keys(connection, master_key, data_dir);
    connection.pragma_update(None, "foreign_keys", "ON")?;
    result
}

fn migrate_without_foreign_keys(
    connection: &mut rusqlite::Connection,
    master_key: &MasterKey,
    data_dir: &Path,
) -> Result<(), StoreError> {
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

    let mut ran_step = false;
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        transaction.execute_batch(migration.sql)?;
        if let Some(step) = migration.step {
            step(&Connection::Sqlite(&transaction), master_key, data_dir)?;
            ran_step = true;
        }
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

    if ran_step {
        data_keys::erase_replaced_pages(connection);
    }
    Ok(())
}

/// The master key check: a constant sealed by the database's current
/// master key, and that key's key id.
pub(super) struct MasterKeyCheck {
    nonce: Vec<u8>,
    ciphertext: Vec<u8>,
    /// `None` only between the SQL and the Rust step of the migration that
    /// added the column.
    key_id: Option<KeyId>,
}

/// Reads the master key check, if the database has one yet.
pub(super) fn read_master_key_check(
    connection: &Connection,
) -> Result<Option<MasterKeyCheck>, StoreError> {
    let check = connection
        .query_row(
            "SELECT nonce, ciphertext, master_key_id FROM meta WHERE name = ?1",
            [MASTER_KEY_CHECK_NAME],
            |row| {
                Ok(MasterKeyCheck {
                    nonce: row.get(0)?,
                    ciphertext: row.get(1)?,
                    key_id: row.get::<_, Option<String>>(2)?.map(KeyId::from_stored),
                })
            },
        )
        .optional()?;
    Ok(check)
}

/// Returns the key id of the database's current master key, which every
/// data key is wrapped with.
pub(super) fn current_master_key_id(connection: &Connection) -> Result<KeyId, StoreError> {
    let text: String = connection.query_row(
        "SELECT master_key_id FROM meta WHERE name = ?1",
        [MASTER_KEY_CHECK_NAME],
        |row| row.get(0),
    )?;
    Ok(KeyId::from_stored(text))
}

/// Fails with [`StoreError::WrongMasterKey`] unless `master_key` decrypts
/// `check`.
pub(super) fn verify_master_key(
    check: &MasterKeyCheck,
    master_key: &MasterKey,
    data_dir: &Path,
) -> Result<(), StoreError> {
    let opened = master_key.open(
        MASTER_KEY_CHECK_ASSOCIATED_DATA,
        &check.nonce,
        &check.ciphertext,
    );
    if opened.is_ok_and(|plaintext| plaintext[..] == *MASTER_KEY_CHECK_PLAINTEXT) {
        Ok(())
    } else {
        Err(StoreError::WrongMasterKey {
            data_dir: data_dir.to_owned(),
            expected: check.key_id.clone(),
        })
    }
}

/// Seals the master key check with `master_key` and records its key id,
/// replacing any check the database had.
pub(super) fn write_master_key_check(
    transaction: &Transaction<'_>,
    master_key: &MasterKey,
) -> Result<(), StoreError> {
    let sealed = master_key.seal(MASTER_KEY_CHECK_ASSOCIATED_DATA, MASTER_KEY_CHECK_PLAINTEXT)?;
    transaction.execute(
        "INSERT INTO meta (name, nonce, ciphertext, master_key_id) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (name) DO UPDATE SET nonce = excluded.nonce,
             ciphertext = excluded.ciphertext, master_key_id = excluded.master_key_id",
        params![
            MASTER_KEY_CHECK_NAME,
            &sealed.nonce[..],
            sealed.ciphertext,
            master_key.id().as_str()
        ],
    )?;
    Ok(())
}

/// Checks that `master_key` decrypts the check value stored in `meta`, and
/// stores one when the database has none yet.
pub(super) fn check_master_key(
    database: &Database,
    master_key: &MasterKey,
    data_dir: &Path,
) -> Result<(), StoreError> {
    database.write(|transaction| match read_master_key_check(transaction)? {
        Some(check) => verify_master_key(&check, master_key, data_dir),
        None => write_master_key_check(transaction, master_key),
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use rusqlite::{params, Connection};
    use secrets_core::{CompanyId, SecretKey};

    use super::{
        current_master_key_id, MasterKey, StoreError, MASTER_KEY_CHECK_ASSOCIATED_DATA,
        MASTER_KEY_CHECK_NAME, MASTER_KEY_CHECK_PLAINTEXT, MIGRATIONS,
    };
    use crate::crypto::value_associated_data;
    use crate::store::{Store, DATABASE_FILE};

    /// Secrets of the first schema's database: (company, key, value). The
    /// largest value spills into SQLite overflow pages, which an update
    /// frees instead of overwriting.
    fn old_secrets() -> Vec<(&'static str, &'static str, String)> {
        vec![
            ("acme", "API_KEY", "sk_live_1".to_owned()),
            (
                "acme",
                "PEM",
                "-----BEGIN KEY-----\r\nline\n\u{e9}\u{1f511}\n".to_owned(),
            ),
            ("beta", "API_KEY", "beta value".to_owned()),
            ("beta", "LARGE_FILE", "0123456789abcdef".repeat(2048)),
        ]
    }

    fn old_master_key() -> MasterKey {
        MasterKey::from_hex(&"5a".repeat(32), "test").expect("valid key")
    }

    fn company(id: &str) -> CompanyId {
        CompanyId::parse(id).expect("valid company")
    }

    fn key(text: &str) -> SecretKey {
        SecretKey::parse(text).expect("valid key")
    }

    /// Writes a database as the first release did: only the first
    /// migration, with the master key check and every value sealed by the
    /// master key itself. Returns the old ciphertexts.
    fn write_first_schema_database(data_dir: &Path) -> Vec<Vec<u8>> {
        std::fs::create_dir_all(data_dir).expect("data dir");
        let connection = Connection::open(data_dir.join(DATABASE_FILE)).expect("open");
        let _: String = connection
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .expect("WAL");
        connection
            .execute_batch(MIGRATIONS[0].sql)
            .expect("first migration");
        connection
            .pragma_update(None, "user_version", 1)
            .expect("version");

        let master_key = old_master_key();
        let check = master_key
            .seal(MASTER_KEY_CHECK_ASSOCIATED_DATA, MASTER_KEY_CHECK_PLAINTEXT)
            .expect("seal check");
        connection
            .execute(
                "INSERT INTO meta (name, nonce, ciphertext) VALUES (?1, ?2, ?3)",
                params![MASTER_KEY_CHECK_NAME, &check.nonce[..], check.ciphertext],
            )
            .expect("insert check");

        let mut ciphertexts = Vec::new();
        for (member_id, company_id) in ["acme", "beta"].iter().enumerate() {
            connection
                .execute(
                    "INSERT INTO companies (id, created_at) VALUES (?1, 0)",
                    [company_id],
                )
                .expect("company");
            connection
                .execute(
                    "INSERT INTO members (id, company_id, name, created_at) VALUES (?1, ?2, 'owner', 0)",
                    params![member_id as i64 + 1, company_id],
                )
                .expect("member");
        }
        for (company_id, key_text, value) in old_secrets() {
            let associated_data = value_associated_data(&company(company_id), &key(key_text));
            let sealed = master_key
                .seal(&associated_data, value.as_bytes())
                .expect("seal value");
            connection
                .execute(
                    "INSERT INTO secrets (company_id, key, description, nonce, ciphertext, created_at, created_by)
                     VALUES (?1, ?2, '', ?3, ?4, 0, (SELECT id FROM members WHERE company_id = ?1))",
                    params![company_id, key_text, &sealed.nonce[..], &sealed.ciphertext],
                )
                .expect("secret");
            ciphertexts.push(sealed.ciphertext);
        }
        ciphertexts
    }

    /// Returns how many 16-byte pieces of `ciphertext` the database files
    /// contain. Pieces, because SQLite splits a large value across
    /// overflow pages; random 16-byte pieces occur nowhere else.
    fn pieces_in_database_files(data_dir: &Path, ciphertext: &[u8]) -> usize {
        let files: Vec<Vec<u8>> = ["secrets.db", "secrets.db-wal", "secrets.db-shm"]
            .iter()
            .filter_map(|file| std::fs::read(data_dir.join(file)).ok())
            .collect();
        let windows: std::collections::HashSet<&[u8]> =
            files.iter().flat_map(|bytes| bytes.windows(16)).collect();
        ciphertext
            .chunks_exact(16)
            .filter(|piece| windows.contains(piece))
            .count()
    }

    #[test]
    fn migration_reseals_first_schema_values() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let data_dir = dir.path().join("data");
        let old_ciphertexts = write_first_schema_database(&data_dir);
        for ciphertext in &old_ciphertexts {
            assert!(pieces_in_database_files(&data_dir, ciphertext) > 0);
        }

        let store = Store::open(&data_dir, old_master_key()).expect("open and migrate");

        for (company_id, key_text, value) in old_secrets() {
            let opened = store
                .open_value(&company(company_id), &key(key_text))
                .expect("open value");
            assert_eq!(opened.expose().as_bytes(), value.as_bytes(), "{key_text}");
        }
        for ciphertext in &old_ciphertexts {
            assert_eq!(pieces_in_database_files(&data_dir, ciphertext), 0);
        }
    }

    #[test]
    fn migration_creates_data_key_per_company() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let data_dir = dir.path().join("data");
        write_first_schema_database(&data_dir);

        drop(Store::open(&data_dir, old_master_key()).expect("open and migrate"));

        let connection = Connection::open(data_dir.join(DATABASE_FILE)).expect("open");
        let version: i64 = connection
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .expect("version");
        assert_eq!(version, MIGRATIONS.len() as i64);
        let companies: Vec<(String, String)> = connection
            .prepare("SELECT company_id, master_key_id FROM data_keys ORDER BY company_id")
            .expect("prepare")
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        let key_id = old_master_key().id().as_str().to_owned();
        assert_eq!(
            companies,
            [
                ("acme".to_owned(), key_id.clone()),
                ("beta".to_owned(), key_id.clone())
            ]
        );
        assert_eq!(
            current_master_key_id(&super::Connection::Sqlite(&connection))
                .expect("key id")
                .as_str(),
            key_id
        );
    }

    #[test]
    fn migration_wrong_master_key_changes_nothing() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let data_dir = dir.path().join("data");
        let old_ciphertexts = write_first_schema_database(&data_dir);
        let other = MasterKey::from_hex(&"a5".repeat(32), "test").expect("valid key");

        let opened = Store::open(&data_dir, other);

        assert!(
            matches!(opened, Err(StoreError::WrongMasterKey { .. })),
            "{opened:?}"
        );
        let connection = Connection::open(data_dir.join(DATABASE_FILE)).expect("open");
        let version: i64 = connection
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .expect("version");
        assert_eq!(version, 1);
        let stored: Vec<u8> = connection
            .query_row("SELECT ciphertext FROM secrets WHERE id = 1", [], |row| {
                row.get(0)
            })
            .expect("ciphertext");
        assert_eq!(stored, old_ciphertexts[0]);
    }
}

#[cfg(test)]
mod access_migration_tests {
    use rusqlite::{params, Connection};
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
            .execute_batch(MIGRATIONS[0].sql)
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
        let master_key = MasterKey::from_hex(&"11".repeat(32), "test").expect("key");
        let error =
            migrate(&mut connection, &master_key, dir.path()).expect_err("broken reference");
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
