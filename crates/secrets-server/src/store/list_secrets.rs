//! Listing a company's secrets.

use super::sql::{DatabaseError, Row};
use secrets_core::api::SecretMetadata;
use secrets_core::{CompanyId, Description, SecretKey};

use super::{format_timestamp, Store, StoreError};

impl Store {
    /// Returns the metadata of every secret of `company`, sorted by key.
    /// Values are not read.
    pub fn list_secrets(&self, company: &CompanyId) -> Result<Vec<SecretMetadata>, StoreError> {
        self.read(|connection| {
            let mut statement = connection.prepare(
                "SELECT s.key, s.description, s.created_at, m.name, s.last_used_at
                 FROM secrets s JOIN members m ON m.id = s.created_by
                 WHERE s.company_id = ?1
                 ORDER BY s.key",
            )?;
            let rows = statement.query_map([company.as_str()], metadata_from_row)?;
            rows.collect::<Result<Vec<_>, _>>()
        })
    }
}

/// Builds metadata from a row of the columns key, description,
/// created_at, the creator's name and last_used_at.
pub(super) fn metadata_from_row(row: &Row<'_>) -> Result<SecretMetadata, StoreError> {
    let key = SecretKey::try_from(row.get::<_, String>(0)?)
        .map_err(|error| conversion_error(0, error))?;
    let description = Description::try_from(row.get::<_, String>(1)?)
        .map_err(|error| conversion_error(1, error))?;
    Ok(SecretMetadata {
        key,
        description,
        created_at: format_timestamp(row.get(2)?),
        created_by: row.get(3)?,
        last_used_at: row.get::<_, Option<i64>>(4)?.map(format_timestamp),
    })
}

/// Wraps a validation error of a column read back from the database. Only
/// validated text is written, so this means the file was changed by hand.
pub(super) fn conversion_error(
    column: usize,
    error: impl std::error::Error + Send + Sync + 'static,
) -> StoreError {
    StoreError::Database(DatabaseError::InvalidColumn {
        column,
        source: Box::new(error),
    })
}
