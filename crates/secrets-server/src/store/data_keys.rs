//! Companies' data keys: creating and wrapping them, unwrapping and caching
//! them, and reloading the master key after a rotation.
//!
//! A company's data key is created in the transaction that creates the
//! company's key pair, whose secret key it seals, and never changes after
//! that. A process caches
//! each data key it unwrapped or created, so a rotation of the master key
//! leaves its cache valid. It needs the master key again only for a data
//! key it has not cached. When the stored key id differs from its own
//! master key's, it reads the key file again.

use std::collections::hash_map::{Entry, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use super::sql::{params, Connection, OptionalExtension, Transaction};
use secrets_core::{CompanyId, SecretKey};

use super::{company_from_column, now, schema, Store, StoreError};
use crate::crypto::{
    pending_key_file, value_associated_data, DataKey, KeyId, MasterKey, MasterKeyError,
};

/// The master key and the cache of unwrapped data keys of one [`Store`].
pub(super) struct KeyRing {
    master_key: Mutex<Arc<MasterKey>>,
    /// The key file to read again after a rotation; `None` when the master
    /// key came from the environment.
    key_file: Option<PathBuf>,
    data_keys: Mutex<HashMap<CompanyId, Arc<DataKey>>>,
}

/// A wrapped data key as stored in `data_keys`.
struct StoredDataKey {
    master_key_id: KeyId,
    nonce: Vec<u8>,
    wrapped_key: Vec<u8>,
}

impl KeyRing {
    pub(super) fn new(master_key: MasterKey, key_file: Option<PathBuf>) -> Self {
        Self {
            master_key: Mutex::new(Arc::new(master_key)),
            key_file,
            data_keys: Mutex::new(HashMap::new()),
        }
    }

    /// Returns the current master key.
    pub(super) fn master_key(&self) -> Arc<MasterKey> {
        let master_key = self
            .master_key
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        Arc::clone(&master_key)
    }

    /// Makes `master_key` the current master key.
    pub(super) fn replace_master_key(&self, master_key: MasterKey) {
        *self
            .master_key
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(master_key);
    }

    /// Returns the master key whose key id is `key_id`: the current one, or
    /// else the one that the key file contains now.
    ///
    /// A rotation writes the new key to the pending key file, commits, and
    /// then renames the pending file over the key file. A reload during
    /// those steps finds the new key in either file, so it reads the key
    /// file, then the pending file, then the key file once more in case the
    /// rename happened in between.
    fn master_key_with_id(&self, key_id: &KeyId) -> Result<Arc<MasterKey>, StoreError> {
        let mut current = self
            .master_key
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if current.id() == key_id {
            return Ok(Arc::clone(&current));
        }
        let Some(key_file) = &self.key_file else {
            return Err(StoreError::MasterKeyNotReloadable {
                database_key_id: key_id.clone(),
                server_key_id: current.id().clone(),
            });
        };

        for path in [
            key_file.clone(),
            pending_key_file(key_file),
            key_file.clone(),
        ] {
            match MasterKey::from_file(&path) {
                Ok(master_key) if master_key.id() == key_id => {
                    tracing::info!(
                        path = %path.display(),
                        old_key_id = %current.id(),
                        new_key_id = %key_id,
                        "the master key was rotated; loaded the new key from the key file"
                    );
                    *current = Arc::new(master_key);
                    return Ok(Arc::clone(&current));
                }
                Ok(_) | Err(MasterKeyError::Missing { .. }) => {}
                Err(error) => return Err(error.into()),
            }
        }
        Err(StoreError::MasterKeyFileOutdated {
            path: key_file.clone(),
            database_key_id: key_id.clone(),
        })
    }

    fn cached(&self, company: &CompanyId) -> Option<Arc<DataKey>> {
        let data_keys = self
            .data_keys
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        data_keys.get(company).cloned()
    }

    /// Adds a data key to the cache. Call it only with a data key that is
    /// committed to the database.
    pub(super) fn cache(&self, company: &CompanyId, data_key: Arc<DataKey>) {
        let mut data_keys = self
            .data_keys
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        data_keys.insert(company.clone(), data_key);
    }
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cached = self
            .data_keys
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        formatter
            .debug_struct("KeyRing")
            .field("master_key", &self.master_key())
            .field("key_file", &self.key_file)
            .field("cached_data_keys", &cached)
            .finish()
    }
}

impl Store {
    /// Returns the data key of `company` to open its sealed secret key.
    pub(super) fn data_key_for_reading(
        &self,
        connection: &Connection,
        company: &CompanyId,
    ) -> Result<Arc<DataKey>, StoreError> {
        if let Some(data_key) = self.keys.cached(company) {
            return Ok(data_key);
        }
        let Some(stored) = read_data_key(connection, company)? else {
            return Err(StoreError::MissingDataKey {
                company: company.clone(),
            });
        };
        self.unwrap_data_key(company, stored)
    }

    /// Returns the data key of `company` to seal a new key pair, inside the
    /// write transaction that stores the key pair. Creates the data key
    /// when the company has none; the caller caches it after the commit.
    pub(super) fn data_key_for_writing(
        &self,
        transaction: &Transaction<'_>,
        company: &CompanyId,
    ) -> Result<Arc<DataKey>, StoreError> {
        if let Some(data_key) = self.keys.cached(company) {
            return Ok(data_key);
        }
        if let Some(stored) = read_data_key(transaction, company)? {
            return self.unwrap_data_key(company, stored);
        }

        // Wrap the new data key with the database's current master key. The
        // key id is read inside the write transaction, so no rotation can
        // commit between this check and the insert, and a server that has
        // not seen a rotation yet never wraps with the retired key.
        let database_key_id = schema::current_master_key_id(transaction)?;
        let master_key = self.keys.master_key_with_id(&database_key_id)?;
        let data_key = insert_data_key(transaction, company, &master_key)?;
        tracing::info!(company = %company, master_key_id = %master_key.id(), "created the company's data key");
        Ok(Arc::new(data_key))
    }

    /// Unwraps a stored data key, reloading the master key first if the
    /// stored key id names another one, and caches it.
    fn unwrap_data_key(
        &self,
        company: &CompanyId,
        stored: StoredDataKey,
    ) -> Result<Arc<DataKey>, StoreError> {
        let master_key = self.keys.master_key_with_id(&stored.master_key_id)?;
        let data_key =
            Arc::new(master_key.unwrap_data_key(company, &stored.nonce, &stored.wrapped_key)?);
        self.keys.cache(company, Arc::clone(&data_key));
        Ok(data_key)
    }
}

fn read_data_key(
    connection: &Connection,
    company: &CompanyId,
) -> Result<Option<StoredDataKey>, StoreError> {
    let stored = connection
        .query_row(
            "SELECT master_key_id, nonce, wrapped_key FROM data_keys WHERE company_id = ?1",
            [company.as_str()],
            |row| {
                Ok(StoredDataKey {
                    master_key_id: KeyId::from_stored(row.get(0)?),
                    nonce: row.get(1)?,
                    wrapped_key: row.get(2)?,
                })
            },
        )
        .optional()?;
    Ok(stored)
}

/// Reads the data key of `company` and unwraps it with `master_key`, for a
/// migration step, which runs before the store and its cache exist.
pub(super) fn unwrap_stored_data_key(
    connection: &Connection,
    company: &CompanyId,
    master_key: &MasterKey,
) -> Result<DataKey, StoreError> {
    let Some(stored) = read_data_key(connection, company)? else {
        return Err(StoreError::MissingDataKey {
            company: company.clone(),
        });
    };
    Ok(master_key.unwrap_data_key(company, &stored.nonce, &stored.wrapped_key)?)
}

/// Generates a data key for `company`, stores it wrapped with `master_key`
/// and returns it.
fn insert_data_key(
    transaction: &Transaction<'_>,
    company: &CompanyId,
    master_key: &MasterKey,
) -> Result<DataKey, StoreError> {
    let data_key = DataKey::generate();
    let wrapped = master_key.wrap_data_key(company, &data_key)?;
    transaction.execute(
        "INSERT INTO data_keys (company_id, master_key_id, nonce, wrapped_key, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            company.as_str(),
            master_key.id().as_str(),
            &wrapped.nonce[..],
            wrapped.ciphertext,
            now()
        ],
    )?;
    Ok(data_key)
}

/// Rewraps every data key from `old_key` to `new_key` and returns how many
/// there were. The data keys themselves do not change.
pub(super) fn rewrap_data_keys(
    transaction: &Transaction<'_>,
    old_key: &MasterKey,
    new_key: &MasterKey,
) -> Result<usize, StoreError> {
    let mut statement =
        transaction.prepare("SELECT company_id, nonce, wrapped_key FROM data_keys")?;
    let rows = statement
        .query_map([], |row| {
            Ok((
                company_from_column(row.get(0)?)?,
                row.get::<_, Vec<u8>>(1)?,
                row.get::<_, Vec<u8>>(2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;

    for (company, nonce, wrapped_key) in &rows {
        let data_key = old_key.unwrap_data_key(company, nonce, wrapped_key)?;
        let rewrapped = new_key.wrap_data_key(company, &data_key)?;
        transaction.execute(
            "UPDATE data_keys SET master_key_id = ?1, nonce = ?2, wrapped_key = ?3
             WHERE company_id = ?4",
            params![
                new_key.id().as_str(),
                &rewrapped.nonce[..],
                rewrapped.ciphertext,
                company.as_str()
            ],
        )?;
    }
    Ok(rows.len())
}

/// Migration step: creates a data key for every company that has secrets,
/// and seals every value again with its company's data key instead of the
/// master key. Runs inside the migration's transaction.
pub(super) fn seal_values_with_data_keys(
    transaction: &Transaction<'_>,
    master_key: &MasterKey,
    data_dir: &Path,
) -> Result<(), StoreError> {
    // Check the master key before using it, and record its key id.
    if let Some(check) = schema::read_master_key_check(transaction)? {
        schema::verify_master_key(&check, master_key, data_dir)?;
        schema::write_master_key_check(transaction, master_key)?;
    }

    let mut statement =
        transaction.prepare("SELECT id, company_id, key, nonce, ciphertext FROM secrets")?;
    let rows = statement
        .query_map([], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                company_from_column(row.get(1)?)?,
                row.get::<_, String>(2)?,
                row.get::<_, Vec<u8>>(3)?,
                row.get::<_, Vec<u8>>(4)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;

    let mut data_keys: HashMap<CompanyId, DataKey> = HashMap::new();
    for (id, company, key, nonce, ciphertext) in &rows {
        let key = SecretKey::parse(key).map_err(|_| StoreError::CorruptValue)?;
        let associated_data = value_associated_data(company, &key);
        let plaintext = master_key.open(&associated_data, nonce, ciphertext)?;

        let data_key = match data_keys.entry(company.clone()) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) => {
                entry.insert(insert_data_key(transaction, company, master_key)?)
            }
        };
        let sealed = data_key.seal(&associated_data, &plaintext)?;
        transaction.execute(
            "UPDATE secrets SET nonce = ?1, ciphertext = ?2 WHERE id = ?3",
            params![&sealed.nonce[..], sealed.ciphertext, id],
        )?;
    }

    tracing::info!(
        secrets = rows.len(),
        companies = data_keys.len(),
        "sealed the existing values again with per-company data keys"
    );
    Ok(())
}

/// Checkpoints the WAL into the database file and truncates it, after a
/// transaction that replaced ciphertexts. Until then the WAL and the
/// database file can hold the replaced page images, such as data keys
/// wrapped with a retired master key.
///
/// Only logs a failure: the transaction is committed, and a later
/// checkpoint overwrites the pages.
pub(super) fn erase_replaced_pages(connection: &rusqlite::Connection) {
    let result = connection.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| {
        row.get::<_, i64>(0)
    });
    match result {
        Ok(0) => {}
        // NOTE: another connection that still reads an older snapshot keeps
        // the checkpoint from finishing; the old pages stay until a later
        // checkpoint overwrites them.
        Ok(_) => tracing::warn!(
            "another connection is reading, so the WAL could not be truncated; \
             replaced ciphertexts stay in it until a later checkpoint"
        ),
        Err(error) => tracing::warn!(%error, "failed to checkpoint the WAL"),
    }
}
