//! Companies' key pairs: the X25519 public key that clients seal values to,
//! and its secret key, stored sealed with the company's data key.
//!
//! A company's key pair is created with the company, or, for a company
//! from before key pairs existed, the first time its public key is
//! requested. It never changes after that. The server opens the secret key
//! only to hand values to a task; a dashboard request never needs it.
//!
//! A sealed box does not authenticate its sender: anyone with the public
//! key can seal a value, so nothing in the cipher binds a sealed value to
//! its row. Access to the API and to the database file is what keeps a
//! value from being replaced. A value copied to another company's row
//! cannot be opened there, because each company has its own key pair.

use std::collections::hash_map::{Entry, HashMap};
use std::path::Path;

use super::sql::{params, Connection, OptionalExtension, Transaction};
use secrets_core::sealed::{open_sealed, PUBLIC_KEY_BYTES};
use secrets_core::{CompanyId, SecretKey, SecretValue};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::{company_from_column, data_keys, now, schema, Store, StoreError};
use crate::crypto::{value_associated_data, DataKey, MasterKey};

/// Number of hexadecimal digits of SHA-256 that make a company key id.
const KEY_ID_HEX_DIGITS: usize = 16;

/// A company's public key and its key id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompanyPublicKey {
    /// The first 16 hexadecimal digits of SHA-256 of the public key.
    pub key_id: String,
    /// The X25519 public key.
    pub public_key: [u8; PUBLIC_KEY_BYTES],
}

/// A company's X25519 secret key, unwrapped. It is zeroed on drop, and
/// `Debug` prints no content.
pub(super) struct CompanySecretKey(Zeroizing<[u8; PUBLIC_KEY_BYTES]>);

impl std::fmt::Debug for CompanySecretKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("CompanySecretKey(<redacted>)")
    }
}

impl CompanySecretKey {
    /// Opens a value sealed to this key pair. Returns `None` when it was
    /// sealed to another key or was changed.
    pub(super) fn open(&self, sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        open_sealed(&self.0, sealed)
    }
}

impl Store {
    /// Returns the public key of `company`, creating the company's key
    /// pair, and its data key if it has none, on the first request.
    pub fn public_key(&self, company: &CompanyId) -> Result<CompanyPublicKey, StoreError> {
        if let Some(public_key) = self.read(|connection| read_public_key(connection, company))? {
            return Ok(public_key);
        }
        let ((), public_key) = self.write_with_company_key(|transaction| {
            ensure_company_exists(transaction, company)?;
            Ok(((), company.clone()))
        })?;
        Ok(public_key)
    }

    /// Runs `operation` in a write transaction, then makes sure that the
    /// company whose ID it returns has a key pair, in the same transaction.
    /// Every operation that creates a company runs through here.
    pub(super) fn write_with_company_key<T: Send>(
        &self,
        operation: impl FnOnce(&Transaction<'_>) -> Result<(T, CompanyId), StoreError> + Send,
    ) -> Result<(T, CompanyPublicKey), StoreError> {
        let (result, company, public_key, data_key) = self.write(|transaction| {
            let (result, company) = operation(transaction)?;
            if let Some(public_key) = read_public_key(transaction, &company)? {
                return Ok((result, company, public_key, None));
            }
            let data_key = self.data_key_for_writing(transaction, &company)?;
            let public_key = insert_company_key(transaction, &company, &data_key)?;
            tracing::info!(company = %company, key_id = %public_key.key_id, "created the company's key pair");
            Ok((result, company, public_key, Some(data_key)))
        })?;

        // Cache a data key only once it is committed.
        if let Some(data_key) = data_key {
            self.keys.cache(&company, data_key);
        }
        Ok((result, public_key))
    }

    /// Returns the secret key of `company`, unwrapped with its data key,
    /// to open the company's values for a task.
    pub(super) fn company_secret_key(
        &self,
        connection: &Connection,
        company: &CompanyId,
    ) -> Result<CompanySecretKey, StoreError> {
        let stored = connection
            .query_row(
                "SELECT key_id, nonce, wrapped_secret_key FROM company_keys WHERE company_id = ?1",
                [company.as_str()],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, Vec<u8>>(1)?,
                        row.get::<_, Vec<u8>>(2)?,
                    ))
                },
            )
            .optional()?;
        let Some((key_id, nonce, wrapped)) = stored else {
            return Err(StoreError::MissingCompanyKey {
                company: company.clone(),
            });
        };
        let data_key = self.data_key_for_reading(connection, company)?;
        unwrap_secret_key(&data_key, company, &key_id, &nonce, &wrapped)
    }
}

/// Returns the public key of `company`, or `None` when it has no key pair
/// yet.
pub(super) fn read_public_key(
    connection: &Connection,
    company: &CompanyId,
) -> Result<Option<CompanyPublicKey>, StoreError> {
    let stored = connection
        .query_row(
            "SELECT key_id, public_key FROM company_keys WHERE company_id = ?1",
            [company.as_str()],
            |row| Ok((row.get::<_, String>(0)?, row.get::<_, Vec<u8>>(1)?)),
        )
        .optional()?;
    let Some((key_id, public_key)) = stored else {
        return Ok(None);
    };
    let public_key = public_key
        .try_into()
        .map_err(|_| StoreError::MissingCompanyKey {
            company: company.clone(),
        })?;
    Ok(Some(CompanyPublicKey { key_id, public_key }))
}

/// Fails with [`StoreError::CompanyNotFound`] unless `company` exists.
pub(super) fn ensure_company_exists(
    connection: &Connection,
    company: &CompanyId,
) -> Result<(), StoreError> {
    let exists = connection
        .query_row(
            "SELECT 1 FROM companies WHERE id = ?1",
            [company.as_str()],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if exists {
        Ok(())
    } else {
        Err(StoreError::CompanyNotFound(company.clone()))
    }
}

/// Generates a key pair for `company`, stores it with the secret key
/// sealed by `data_key`, and returns the public key.
fn insert_company_key(
    transaction: &Transaction<'_>,
    company: &CompanyId,
    data_key: &DataKey,
) -> Result<CompanyPublicKey, StoreError> {
    let secret_key = crypto_box::SecretKey::generate(&mut crypto_box::aead::OsRng);
    let public_key = *secret_key.public_key().as_bytes();
    let key_id = key_id_of(&public_key);
    let secret_bytes = Zeroizing::new(secret_key.to_bytes());
    let sealed = data_key.seal(
        &company_key_associated_data(company, &key_id),
        &secret_bytes[..],
    )?;
    transaction.execute(
        "INSERT INTO company_keys (company_id, key_id, public_key, nonce, wrapped_secret_key, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            company.as_str(),
            key_id,
            &public_key[..],
            &sealed.nonce[..],
            sealed.ciphertext,
            now()
        ],
    )?;
    Ok(CompanyPublicKey { key_id, public_key })
}

fn unwrap_secret_key(
    data_key: &DataKey,
    company: &CompanyId,
    key_id: &str,
    nonce: &[u8],
    wrapped: &[u8],
) -> Result<CompanySecretKey, StoreError> {
    let plaintext = data_key.open(
        &company_key_associated_data(company, key_id),
        nonce,
        wrapped,
    )?;
    let mut bytes = Zeroizing::new([0_u8; PUBLIC_KEY_BYTES]);
    if plaintext.len() != bytes.len() {
        return Err(StoreError::MissingCompanyKey {
            company: company.clone(),
        });
    }
    bytes.copy_from_slice(&plaintext);
    Ok(CompanySecretKey(bytes))
}

/// Returns the key id of a company's public key: the first 16 hexadecimal
/// digits of its SHA-256 hash.
fn key_id_of(public_key: &[u8; PUBLIC_KEY_BYTES]) -> String {
    let mut key_id = hex::encode(Sha256::digest(public_key));
    key_id.truncate(KEY_ID_HEX_DIGITS);
    key_id
}

/// Returns the associated data of a company's sealed secret key:
/// `secrets/v1 NUL company-key NUL company NUL key id`. It never equals a
/// value's or a data key's associated data, because those have one NUL
/// less.
fn company_key_associated_data(company: &CompanyId, key_id: &str) -> Vec<u8> {
    let mut data = b"secrets/v1\0company-key\0".to_vec();
    data.extend_from_slice(company.as_str().as_bytes());
    data.push(0);
    data.extend_from_slice(key_id.as_bytes());
    data
}

/// Seals `plaintext` to `public_key` as an anonymous sealed box, the format
/// that clients send.
fn seal_to(public_key: &[u8; PUBLIC_KEY_BYTES], plaintext: &[u8]) -> Result<Vec<u8>, StoreError> {
    crypto_box::PublicKey::from(*public_key)
        .seal(&mut crypto_box::aead::OsRng, plaintext)
        .map_err(|_| StoreError::Crypto(crate::crypto::CryptoError::Encrypt))
}

/// A row of the schema-3 `secrets` table.
struct OldSecret {
    id: i64,
    company: CompanyId,
    key: String,
    description: String,
    nonce: Vec<u8>,
    ciphertext: Vec<u8>,
    created_at: i64,
    created_by: i64,
}

/// Migration step: creates the key pair of every company that has
/// secrets, opens each value of the old table with its company's data key,
/// seals it to the company's public key into the new table, and drops the
/// old table. Runs inside the migration's transaction.
pub(super) fn seal_values_to_company_keys(
    transaction: &Transaction<'_>,
    master_key: &MasterKey,
    data_dir: &Path,
) -> Result<(), StoreError> {
    // Check the master key before using it.
    // NOTE: migrations run before `Store::open` finishes a rotation that
    // stopped before renaming its key file, so such a database fails here
    // with `WrongMasterKey` until `master.key.new` is renamed by hand.
    if let Some(check) = schema::read_master_key_check(transaction)? {
        schema::verify_master_key(&check, master_key, data_dir)?;
    }

    let old_secrets = {
        let mut statement = transaction.prepare(
            "SELECT id, company_id, key, description, nonce, ciphertext, created_at, created_by
             FROM secrets_v3 ORDER BY id",
        )?;
        let rows = statement.query_map([], |row| {
            Ok(OldSecret {
                id: row.get(0)?,
                company: company_from_column(row.get(1)?)?,
                key: row.get(2)?,
                description: row.get(3)?,
                nonce: row.get(4)?,
                ciphertext: row.get(5)?,
                created_at: row.get(6)?,
                created_by: row.get(7)?,
            })
        })?;
        rows.collect::<Result<Vec<_>, _>>()?
    };

    // Each company's data key and new public key, created at its first
    // secret.
    let mut companies: HashMap<CompanyId, (DataKey, CompanyPublicKey)> = HashMap::new();
    for secret in &old_secrets {
        let (data_key, public_key) = match companies.entry(secret.company.clone()) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) => {
                let data_key =
                    data_keys::unwrap_stored_data_key(transaction, &secret.company, master_key)?;
                let public_key = insert_company_key(transaction, &secret.company, &data_key)?;
                entry.insert((data_key, public_key))
            }
        };

        let key = SecretKey::parse(&secret.key).map_err(|_| StoreError::CorruptValue)?;
        let plaintext = data_key.open(
            &value_associated_data(&secret.company, &key),
            &secret.nonce,
            &secret.ciphertext,
        )?;
        let sealed = seal_to(&public_key.public_key, &plaintext)?;
        transaction.execute(
            "INSERT INTO secrets (id, company_id, key, description, sealed_value, key_id, created_at, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                secret.id,
                secret.company.as_str(),
                secret.key,
                secret.description,
                sealed,
                public_key.key_id,
                secret.created_at,
                secret.created_by
            ],
        )?;
    }
    transaction.execute_batch("DROP TABLE secrets_v3")?;

    tracing::info!(
        secrets = old_secrets.len(),
        companies = companies.len(),
        "sealed the existing values to the companies' new public keys"
    );
    Ok(())
}

/// Returns the value of a secret, opened with its company's secret key.
pub(super) fn open_value_text(
    secret_key: &CompanySecretKey,
    sealed: &[u8],
) -> Result<SecretValue, StoreError> {
    let plaintext = secret_key.open(sealed).ok_or(StoreError::CorruptValue)?;
    let text = into_text(plaintext).ok_or(StoreError::CorruptValue)?;
    SecretValue::new(text).map_err(|_| StoreError::CorruptValue)
}

/// Turns opened bytes into text without copying them, so that the only
/// copy stays in zeroizing memory. Bytes that are not UTF-8 are zeroed and
/// `None` is returned.
pub(super) fn into_text(mut plaintext: Zeroizing<Vec<u8>>) -> Option<Zeroizing<String>> {
    let bytes = std::mem::take(&mut *plaintext);
    match String::from_utf8(bytes) {
        Ok(text) => Some(Zeroizing::new(text)),
        Err(error) => {
            drop(Zeroizing::new(error.into_bytes()));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{MemberName, DATABASE_FILE};

    fn company(id: &str) -> CompanyId {
        CompanyId::parse(id).expect("valid company")
    }

    #[test]
    fn secret_key_stored_only_sealed() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let master_key = MasterKey::from_hex(&"3c".repeat(32), "test").expect("valid key");
        let store = Store::open(dir.path(), master_key).expect("open store");
        let owner = MemberName::parse("owner").expect("valid name");
        store
            .ensure_member(&company("acme"), &owner)
            .expect("member");

        let public_key = store.public_key(&company("acme")).expect("public key");
        let secret_key = store
            .read(|connection| store.company_secret_key(connection, &company("acme")))
            .expect("secret key");

        let derived = crypto_box::SecretKey::from(*secret_key.0).public_key();
        assert_eq!(derived.as_bytes(), &public_key.public_key);
        assert_eq!(public_key.key_id, key_id_of(&public_key.public_key));
        assert_eq!(public_key.key_id.len(), KEY_ID_HEX_DIGITS);
        let files: Vec<Vec<u8>> = ["", "-wal", "-shm"]
            .iter()
            .filter_map(|suffix| {
                std::fs::read(dir.path().join(format!("{DATABASE_FILE}{suffix}"))).ok()
            })
            .collect();
        for bytes in &files {
            assert!(!bytes.windows(32).any(|window| window == &secret_key.0[..]));
        }
        assert!(files.iter().any(|bytes| bytes
            .windows(32)
            .any(|window| window == &public_key.public_key[..])));
    }

    #[test]
    fn sealed_secret_key_bound_to_company() {
        let data_key = DataKey::generate();
        let secret_key = [9_u8; PUBLIC_KEY_BYTES];
        let sealed = data_key
            .seal(
                &company_key_associated_data(&company("acme"), "00aa"),
                &secret_key,
            )
            .expect("seal");

        let opened = unwrap_secret_key(
            &data_key,
            &company("acme"),
            "00aa",
            &sealed.nonce,
            &sealed.ciphertext,
        )
        .expect("opens for its company");
        assert_eq!(*opened.0, secret_key);
        for (other_company, other_key_id) in [("beta", "00aa"), ("acme", "00ab")] {
            let opened = unwrap_secret_key(
                &data_key,
                &company(other_company),
                other_key_id,
                &sealed.nonce,
                &sealed.ciphertext,
            );
            assert!(
                matches!(opened, Err(StoreError::Crypto(_))),
                "{other_company} {other_key_id}"
            );
        }
    }

    #[test]
    fn opened_bytes_become_text_only_when_utf8() {
        let text = into_text(Zeroizing::new("Grüße\n".as_bytes().to_vec()));
        assert_eq!(text.as_deref().map(String::as_str), Some("Grüße\n"));
        assert!(into_text(Zeroizing::new(vec![0xff, 0xfe])).is_none());
    }
}
