//! Schema migrations, tracked by `PRAGMA user_version`, and the master key
//! check.
//!
//! Migration `N` (1-based) moves the schema from version `N - 1` to `N`.
//! Append new migrations; never edit one that has shipped.
//!
//! Membership is stored per company for now. Conglomerates (groups of
//! companies whose members manage all of them) can come in a later
//! migration: a `conglomerates` table, a `conglomerate_id` column on
//! `companies`, and members moved from `company_id` to `conglomerate_id`.
//! Only the `members` queries and `http::auth::authorize` read membership.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::StoreError;
use crate::crypto::MasterKey;

const MIGRATIONS: &[&str] = &[r#"
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
"#];

const MASTER_KEY_CHECK_NAME: &str = "master_key_check";
const MASTER_KEY_CHECK_PLAINTEXT: &[u8] = b"secrets master key check";
const MASTER_KEY_CHECK_ASSOCIATED_DATA: &[u8] = b"secrets/v1\0meta\0master_key_check";

/// Applies every migration newer than the database's `user_version`.
pub(super) fn migrate(connection: &mut Connection) -> Result<(), StoreError> {
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
