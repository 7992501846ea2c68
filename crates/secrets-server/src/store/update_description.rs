//! Changing a secret's description.

use super::sql::{params, OptionalExtension};
use secrets_core::api::{ActivityAction, SecretMetadata};
use secrets_core::{CompanyId, Description, SecretKey};

use super::activity::record_event;
use super::list_secrets::metadata_from_row;
use super::members::check_still_allowed;
use super::{now, Member, Store, StoreError};

impl Store {
    /// Replaces the description of the secret `key` of `company` and
    /// records an `updated` activity event, in one transaction. The value
    /// is neither read nor changed. A description equal to the stored one
    /// changes nothing and records no event.
    #[tracing::instrument(skip_all, fields(company = %company, key = %key))]
    pub fn update_description(
        &self,
        company: &CompanyId,
        member: &Member,
        key: &SecretKey,
        description: &Description,
    ) -> Result<SecretMetadata, StoreError> {
        self.write(|transaction| {
            check_still_allowed(transaction, member, company)?;

            let changed = transaction.execute(
                "UPDATE secrets SET description = ?3
                 WHERE company_id = ?1 AND key = ?2 AND description <> ?3",
                params![company.as_str(), key.as_str(), description.as_str()],
            )?;

            if changed > 0 {
                record_event(
                    transaction,
                    company,
                    ActivityAction::Updated,
                    key,
                    member,
                    now(),
                )?;
            }

            // Read the row back; none means there is no such secret.
            transaction
                .query_row(
                    "SELECT s.key, s.description, s.created_at, m.name, s.last_used_at
                     FROM secrets s JOIN members m ON m.id = s.created_by
                     WHERE s.company_id = ?1 AND s.key = ?2",
                    params![company.as_str(), key.as_str()],
                    metadata_from_row,
                )
                .optional()?
                .ok_or(StoreError::SecretNotFound)
        })
    }
}
