//! Removing a secret.

use super::sql::params;
use secrets_core::api::ActivityAction;
use secrets_core::{CompanyId, SecretKey};

use super::activity::record_event;
use super::members::check_still_allowed;
use super::{now, Member, Store, StoreError};

impl Store {
    /// Deletes the secret `key` of `company` and records a `removed`
    /// activity event, in one transaction.
    pub fn delete_secret(
        &self,
        company: &CompanyId,
        member: &Member,
        key: &SecretKey,
    ) -> Result<(), StoreError> {
        self.write(|transaction| {
            check_still_allowed(transaction, member, company)?;

            let deleted = transaction.execute(
                "DELETE FROM secrets WHERE company_id = ?1 AND key = ?2",
                params![company.as_str(), key.as_str()],
            )?;
            if deleted == 0 {
                return Err(StoreError::SecretNotFound);
            }

            record_event(
                transaction,
                company,
                ActivityAction::Removed,
                key,
                member,
                now(),
            )?;
            Ok(())
        })
    }
}
