//! Credentials: API tokens, one-time login link tokens and browser
//! sessions.
//!
//! A token is 32 random bytes, hex-encoded. Only its SHA-256 hash is stored
//! and looked up, so a token is compared by an index lookup on its hash and
//! never by comparing plaintext in a loop that could leak timing.

use std::fmt;
use std::time::Duration;

use rand::RngCore;
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::{company_from_column, now, Member, Store, StoreError};

/// How long a login link works after it was created.
pub const LOGIN_LINK_TTL: Duration = Duration::from_secs(15 * 60);

/// How long a browser session lasts after its login.
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 60 * 60);

/// The kind of a credential, stored in `credentials.kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CredentialKind {
    /// A bearer token for scripts and the command line; it does not expire.
    Api,
    /// A one-time token inside a login link.
    Login,
    /// A browser session, sent as the `secrets_session` cookie.
    Session,
}

impl CredentialKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Login => "login",
            Self::Session => "session",
        }
    }

    fn time_to_live(self) -> Option<Duration> {
        match self {
            Self::Api => None,
            Self::Login => Some(LOGIN_LINK_TTL),
            Self::Session => Some(SESSION_TTL),
        }
    }
}

/// The plaintext of a new token. It exists only in the response that hands
/// it out; memory is zeroed on drop and `Debug` prints no content.
pub struct Token(Zeroizing<String>);

impl Token {
    fn generate() -> Self {
        let mut bytes = Zeroizing::new([0_u8; 32]);
        rand::rngs::OsRng.fill_bytes(&mut bytes[..]);
        Self(Zeroizing::new(hex::encode(&bytes[..])))
    }

    /// Returns the token text, to print it or to put it in a cookie or link.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("Token(<redacted>)")
    }
}

fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn expiry(kind: CredentialKind, created_at: i64) -> Option<i64> {
    kind.time_to_live()
        .map(|ttl| created_at + ttl.as_secs() as i64)
}

impl Store {
    /// Creates a credential of `kind` for `member` and returns its token.
    pub fn issue_credential(
        &self,
        member: &Member,
        kind: CredentialKind,
    ) -> Result<Token, StoreError> {
        let token = Token::generate();
        self.write(|transaction| {
            let created_at = now();
            transaction.execute(
                "INSERT INTO credentials (token_hash, member_id, kind, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    hash_token(token.expose()),
                    member.id,
                    kind.as_str(),
                    created_at,
                    expiry(kind, created_at)
                ],
            )?;
            Ok(())
        })?;
        Ok(token)
    }

    /// Returns the member whose unexpired credential of `kind` has this
    /// token, or `None`. Login tokens are not accepted here: they are
    /// exchanged by [`Store::redeem_login_token`].
    #[tracing::instrument(level = "trace", skip_all)]
    pub fn authenticate(
        &self,
        token: &str,
        kind: CredentialKind,
    ) -> Result<Option<Member>, StoreError> {
        if kind == CredentialKind::Login {
            return Ok(None);
        }
        self.read(|connection| {
            let member = connection
                .query_row(
                    "SELECT m.id, m.company_id, m.name
                     FROM credentials c JOIN members m ON m.id = c.member_id
                     WHERE c.token_hash = ?1 AND c.kind = ?2 AND (c.expires_at IS NULL OR c.expires_at > ?3)",
                    params![hash_token(token), kind.as_str(), now()],
                    |row| Ok(Member { id: row.get(0)?, company: company_from_column(row.get(1)?)?, name: row.get(2)? }),
                )
                .optional()?;
            Ok(member)
        })
    }

    /// Returns the member that an unused, unexpired login token signs in,
    /// without using the token up, so that a page can show whom a link
    /// signs in as before the member confirms.
    #[tracing::instrument(level = "trace", skip_all)]
    pub fn login_token_member(&self, token: &str) -> Result<Option<Member>, StoreError> {
        self.read(|connection| {
            let found = find_login_token(connection, token, now())?;
            Ok(found.map(|(_, member)| member))
        })
    }

    /// Marks an unused, unexpired login token as used and opens a session
    /// for its member, in one transaction so that a link works only once.
    /// Returns `None` when the token is unknown, used or expired.
    #[tracing::instrument(level = "trace", skip_all)]
    pub fn redeem_login_token(&self, token: &str) -> Result<Option<(Member, Token)>, StoreError> {
        let session = Token::generate();
        self.write(|transaction| {
            let current_time = now();
            let Some((credential_id, member)) = find_login_token(transaction, token, current_time)?
            else {
                return Ok(None);
            };

            transaction.execute(
                "UPDATE credentials SET used_at = ?1 WHERE id = ?2",
                params![current_time, credential_id],
            )?;
            transaction.execute(
                "INSERT INTO credentials (token_hash, member_id, kind, created_at, expires_at)
                 VALUES (?1, ?2, 'session', ?3, ?4)",
                params![
                    hash_token(session.expose()),
                    member.id,
                    current_time,
                    expiry(CredentialKind::Session, current_time)
                ],
            )?;
            Ok(Some(member))
        })
        .map(|member| member.map(|member| (member, session)))
    }
}

/// Returns the credential ID and member of an unused login token that has
/// not expired at `current_time`.
fn find_login_token(
    connection: &Connection,
    token: &str,
    current_time: i64,
) -> Result<Option<(i64, Member)>, StoreError> {
    let found = connection
        .query_row(
            "SELECT c.id, m.id, m.company_id, m.name
             FROM credentials c JOIN members m ON m.id = c.member_id
             WHERE c.token_hash = ?1 AND c.kind = 'login' AND c.used_at IS NULL AND c.expires_at > ?2",
            params![hash_token(token), current_time],
            |row| {
                let member =
                    Member { id: row.get(1)?, company: company_from_column(row.get(2)?)?, name: row.get(3)? };
                Ok((row.get::<_, i64>(0)?, member))
            },
        )
        .optional()?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_256_bit_hex() {
        let token = Token::generate();
        assert_eq!(token.expose().len(), 64);
        assert!(token.expose().chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(token.expose(), Token::generate().expose());
    }

    #[test]
    fn token_debug_hides_content() {
        let token = Token::generate();
        let printed = format!("{token:?}");
        assert!(!printed.contains(token.expose()), "{printed}");
    }

    #[test]
    fn hash_token_is_sha256_hex() {
        assert_eq!(
            hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
