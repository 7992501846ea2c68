//! Decrypting a stored value.

use rusqlite::{params, OptionalExtension};
use secrets_core::{CompanyId, SecretKey, SecretValue};
use zeroize::Zeroizing;

use super::{Store, StoreError};
use crate::crypto::value_associated_data;

impl Store {
    /// Decrypts the value of the secret `key` of `company`.
    ///
    /// No HTTP route calls this: values leave the server only to start a
    /// task. It exists for the task runtime that will hand values to agents,
    /// and for tests that check a value is stored byte for byte.
    ///
    /// Fails with [`StoreError::Crypto`] when the stored ciphertext was
    /// sealed for another company or key, or with another data key.
    #[tracing::instrument(skip_all, fields(company = %company, key = %key))]
    pub fn open_value(
        &self,
        company: &CompanyId,
        key: &SecretKey,
    ) -> Result<SecretValue, StoreError> {
        let (nonce, ciphertext, data_key) = self.read(|connection| {
            let row: Option<(Vec<u8>, Vec<u8>)> = connection
                .query_row(
                    "SELECT nonce, ciphertext FROM secrets WHERE company_id = ?1 AND key = ?2",
                    params![company.as_str(), key.as_str()],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            let Some((nonce, ciphertext)) = row else {
                return Err(StoreError::SecretNotFound);
            };
            let data_key = self.data_key_for_reading(connection, company)?;
            Ok((nonce, ciphertext, data_key))
        })?;

        let associated_data = value_associated_data(company, key);
        let mut plaintext = data_key.open(&associated_data, &nonce, &ciphertext)?;

        // Move the bytes into the string without copying them, so the only
        // copy of the plaintext stays in zeroizing memory.
        let bytes = std::mem::take(&mut *plaintext);
        let text = match String::from_utf8(bytes) {
            Ok(text) => Zeroizing::new(text),
            Err(error) => {
                drop(Zeroizing::new(error.into_bytes()));
                return Err(StoreError::CorruptValue);
            }
        };
        SecretValue::new(text).map_err(|_| StoreError::CorruptValue)
    }
}
