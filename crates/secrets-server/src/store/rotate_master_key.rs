//! Rotating the master key: every data key and the master key check are
//! sealed again with a new master key, in one transaction. Values keep their
//! ciphertexts, because their data keys do not change.

use std::path::Path;

use super::{data_keys, schema, Database, Store, StoreError};
use crate::crypto::{install_pending_key_file, pending_key_file, KeyId, MasterKey, MasterKeyError};

/// The outcome of a rotation, for the command's output.
#[derive(Debug)]
pub struct MasterKeyRotation {
    /// Number of data keys rewrapped, one per company with secrets.
    pub data_keys: usize,
    /// Key id of the retired master key.
    pub old_key_id: KeyId,
    /// Key id of the new master key.
    pub new_key_id: KeyId,
}

impl Store {
    /// Rewraps every data key and the master key check with `new_key`, in
    /// one transaction, and makes `new_key` this store's master key.
    ///
    /// Only the database changes: the caller replaces the key file. Other
    /// processes that use the database load the new key from the key file
    /// when they next need the master key.
    pub fn rotate_master_key(&self, new_key: MasterKey) -> Result<MasterKeyRotation, StoreError> {
        let old_key = self.keys.master_key();
        if new_key.id() == old_key.id() {
            return Err(StoreError::SameMasterKey {
                key_id: new_key.id().clone(),
            });
        }

        let data_keys = self.write(|transaction| {
            // Another rotation may have committed since this store opened.
            let database_key_id = schema::current_master_key_id(transaction)?;
            if database_key_id != *old_key.id() {
                return Err(StoreError::WrongMasterKey {
                    data_dir: self.data_dir().to_owned(),
                    expected: Some(database_key_id),
                });
            }

            let count = data_keys::rewrap_data_keys(transaction, &old_key, &new_key)?;
            schema::write_master_key_check(transaction, &new_key)?;
            Ok(count)
        })?;

        let rotation = MasterKeyRotation {
            data_keys,
            old_key_id: old_key.id().clone(),
            new_key_id: new_key.id().clone(),
        };
        self.keys.replace_master_key(new_key);
        tracing::info!(
            data_keys,
            old_key_id = %rotation.old_key_id,
            new_key_id = %rotation.new_key_id,
            "rewrapped the data keys with the new master key"
        );

        // Remove the data keys wrapped with the retired key from SQLite's
        // WAL. PostgreSQL keeps old row versions until VACUUM removes them.
        // NOTE: nothing here runs VACUUM, so on PostgreSQL the data keys
        // wrapped with the retired key stay in the table's files until
        // autovacuum reuses their space.
        if let Database::Sqlite { writer, .. } = &self.database {
            let writer = writer
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            data_keys::erase_replaced_pages(&writer);
        }
        Ok(rotation)
    }

    fn data_dir(&self) -> &Path {
        &self.data_dir
    }
}

/// Installs the pending key file of `key_file` if the database accepts its
/// key, and returns that key. Returns `None` when there is no pending key
/// file or the database rejects its key too.
pub(super) fn finish_interrupted_rotation(
    database: &Database,
    key_file: &Path,
    data_dir: &Path,
) -> Result<Option<MasterKey>, StoreError> {
    let pending = pending_key_file(key_file);
    let master_key = match MasterKey::from_file(&pending) {
        Ok(master_key) => master_key,
        Err(MasterKeyError::Missing { .. }) => return Ok(None),
        Err(error) => return Err(error.into()),
    };
    match schema::check_master_key(database, &master_key, data_dir) {
        Ok(()) => {}
        Err(StoreError::WrongMasterKey { .. }) => return Ok(None),
        Err(error) => return Err(error),
    }

    install_pending_key_file(key_file).map_err(|source| MasterKeyError::Io {
        path: pending.clone(),
        source,
    })?;
    tracing::warn!(
        path = %key_file.display(),
        key_id = %master_key.id(),
        "a master key rotation stopped before it replaced the key file; moved {} over the key file",
        pending.display()
    );
    Ok(Some(master_key))
}
