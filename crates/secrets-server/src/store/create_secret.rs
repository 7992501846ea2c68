//! Adding a secret.

use rusqlite::{params, ErrorCode};
use secrets_core::api::{ActivityAction, NewSecret, SecretMetadata};
use secrets_core::{CompanyId, MAX_SECRETS_PER_COMPANY};

use super::activity::record_event;
use super::members::check_still_allowed;
use super::{format_timestamp, now, Member, Store, StoreError};
use crate::crypto::value_associated_data;

impl Store {
    /// Encrypts and stores a new secret of `company`, added by `member`, and
    /// records an `added` activity event.
    ///
    /// The key uniqueness check, the limit check, the insert and the event
    /// run in one `BEGIN IMMEDIATE` transaction, so concurrent requests can
    /// produce neither a duplicate key nor more than
    /// [`MAX_SECRETS_PER_COMPANY`] secrets. The company's first secret
    /// creates its data key in the same transaction.
    #[tracing::instrument(skip_all, fields(company = %company, key = %secret.key))]
    pub fn create_secret(
        &self,
        company: &CompanyId,
        member: &Member,
        secret: &NewSecret,
    ) -> Result<SecretMetadata, StoreError> {
        let (metadata, data_key) = self.write(|transaction| {
            check_still_allowed(transaction, member, company)?;

            // Check the key first: "already exists" helps the owner more
            // than "limit reached" when both apply.
            let key_count: i64 = transaction.query_row(
                "SELECT COUNT(*) FROM secrets WHERE company_id = ?1 AND key = ?2",
                params![company.as_str(), secret.key.as_str()],
                |row| row.get(0),
            )?;
            if key_count > 0 {
                return Err(StoreError::DuplicateKey);
            }

            let secret_count: i64 =
                transaction.query_row("SELECT COUNT(*) FROM secrets WHERE company_id = ?1", [company.as_str()], |row| {
                    row.get(0)
                })?;
            if secret_count >= MAX_SECRETS_PER_COMPANY as i64 {
                return Err(StoreError::LimitReached);
            }

            // Seal the value with the company's data key. Sealing happens
            // under the write lock because the first secret creates the
            // data key. Sealing at most 32 KiB costs little next to the
            // commit's fsync.
            let data_key = self.data_key_for_writing(transaction, company)?;
            let associated_data = value_associated_data(company, &secret.key);
            let sealed = data_key.seal(&associated_data, secret.value.expose().as_bytes())?;

            // Insert the secret; the UNIQUE constraint backs up the check above.
            let created_at = now();
            transaction
                .execute(
                    "INSERT INTO secrets (company_id, key, description, nonce, ciphertext, created_at, created_by)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        company.as_str(),
                        secret.key.as_str(),
                        secret.description.as_str(),
                        &sealed.nonce[..],
                        sealed.ciphertext,
                        created_at,
                        member.id
                    ],
                )
                .map_err(|error| match error.sqlite_error_code() {
                    Some(ErrorCode::ConstraintViolation) => StoreError::DuplicateKey,
                    _ => StoreError::Database(error),
                })?;

            // Record the activity event in the same transaction.
            record_event(transaction, company, ActivityAction::Added, &secret.key, member, created_at)?;

            let metadata = SecretMetadata {
                key: secret.key.clone(),
                description: secret.description.clone(),
                created_at: format_timestamp(created_at),
                created_by: member.name.clone(),
            };
            Ok((metadata, data_key))
        })?;

        // Cache the data key only now that a new one is committed.
        self.keys.cache(company, data_key);
        Ok(metadata)
    }
}
