//! Adding several secrets at once, all or none.

use secrets_core::api::{NewSecret, SecretMetadata};
use secrets_core::{CompanyId, MAX_SECRETS_PER_COMPANY};

use super::create_secret::{check_current_key_id, count_secrets, insert_secret, key_exists};
use super::members::check_still_allowed;
use super::{now, Member, Store, StoreError};

impl Store {
    /// Stores every secret of `secrets`, added by `member`, and records an
    /// `added` activity event for each, or stores none of them. Returns
    /// their metadata in the order of `secrets`.
    ///
    /// The caller has validated the secrets and checked that no key appears
    /// twice. The key id, key uniqueness and limit checks, the inserts and
    /// the events run in one `BEGIN IMMEDIATE` transaction, the same write
    /// path as [`Store::create_secret`]. So concurrent imports and creates
    /// can produce neither a duplicate key nor more than
    /// [`MAX_SECRETS_PER_COMPANY`] secrets.
    #[tracing::instrument(skip_all, fields(company = %company, count = secrets.len()))]
    pub fn import_secrets(
        &self,
        company: &CompanyId,
        member: &Member,
        secrets: &[NewSecret],
    ) -> Result<Vec<SecretMetadata>, StoreError> {
        self.write(|transaction| {
            check_still_allowed(transaction, member, company)?;
            for secret in secrets {
                check_current_key_id(transaction, company, &secret.key_id)?;
            }

            // Name every key that exists already, so that the owner can
            // fix them all at once. As for a single create, "already
            // exists" comes before "limit reached".
            let mut existing_keys = Vec::new();
            for (index, secret) in secrets.iter().enumerate() {
                if key_exists(transaction, company, &secret.key)? {
                    existing_keys.push((index, secret.key.clone()));
                }
            }
            if !existing_keys.is_empty() {
                return Err(StoreError::KeysExist(existing_keys));
            }

            let existing = count_secrets(transaction, company)?;
            if existing + secrets.len() > MAX_SECRETS_PER_COMPANY {
                return Err(StoreError::ImportLimitReached {
                    existing,
                    requested: secrets.len(),
                });
            }

            // Insert them all with one timestamp. An error rolls back the
            // inserts made before it.
            let created_at = now();
            secrets
                .iter()
                .map(|secret| insert_secret(transaction, company, member, secret, created_at))
                .collect()
        })
    }
}
