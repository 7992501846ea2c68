//! Opening a stored value.

use super::sql::{params, OptionalExtension};
use secrets_core::{CompanyId, SecretKey, SecretValue};

use super::company_keys::open_value_text;
use super::{Store, StoreError};

impl Store {
    /// Opens the sealed value of the secret `key` of `company` with the
    /// company's secret key.
    ///
    /// No HTTP route calls this: tasks receive values from their snapshot.
    /// It exists for tests that check a value is stored byte for byte.
    ///
    /// Fails with [`StoreError::CorruptValue`] when the value was sealed to
    /// another public key or is not valid text.
    #[tracing::instrument(skip_all, fields(company = %company, key = %key))]
    pub fn open_value(
        &self,
        company: &CompanyId,
        key: &SecretKey,
    ) -> Result<SecretValue, StoreError> {
        let (sealed, secret_key) = self.read(|connection| {
            let sealed: Option<Vec<u8>> = connection
                .query_row(
                    "SELECT sealed_value FROM secrets WHERE company_id = ?1 AND key = ?2",
                    params![company.as_str(), key.as_str()],
                    |row| row.get(0),
                )
                .optional()?;
            let Some(sealed) = sealed else {
                return Err(StoreError::SecretNotFound);
            };
            let secret_key = self.company_secret_key(connection, company)?;
            Ok((sealed, secret_key))
        })?;
        open_value_text(&secret_key, &sealed)
    }
}
