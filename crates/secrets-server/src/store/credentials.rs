//! Credentials: API tokens, one-time login link tokens and browser
//! sessions.
//!
//! A token is 32 random bytes, hex-encoded. Only its SHA-256 hash is stored
//! and looked up, so a token is compared by an index lookup on its hash and
//! never by comparing plaintext in a loop that could leak timing.

use std::fmt;
use std::time::Duration;

use super::sql::{params, Connection, OptionalExtension};
use rand::RngCore;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use secrets_core::CompanyId;

use super::organization::conglomerate_from_column;
use super::{company_from_column, format_timestamp, now, Member, Store, StoreError};

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
    /// Generates a token of 32 random bytes from the operating system's
    /// random number generator. Member credentials, runners and tasks all
    /// use this format.
    pub(super) fn generate() -> Self {
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

/// An API token as `token list` shows it: never the token itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenInfo {
    /// Credential ID, which `token revoke` takes.
    pub id: i64,
    /// When the token was issued, in RFC 3339 format, UTC.
    pub created_at: String,
    /// When the token was revoked, if it was.
    pub revoked_at: Option<String>,
}

/// Outcome of [`Store::revoke_token`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevokedToken {
    /// The member the token belonged to.
    pub member: Member,
    /// Whether the token had been revoked before this call.
    pub already_revoked: bool,
}

/// Returns the SHA-256 hash of `token` in hexadecimal, the form in which
/// every token is stored and looked up.
pub(super) fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn expiry(kind: CredentialKind, created_at: i64) -> Option<i64> {
    kind.time_to_live()
        .map(|ttl| created_at + ttl.as_secs() as i64)
}

impl Store {
    /// Creates a credential of `kind` for `member` and returns its token. A
    /// login link made here opens the first company of the member's
    /// conglomerate, by ID.
    pub fn issue_credential(
        &self,
        member: &Member,
        kind: CredentialKind,
    ) -> Result<Token, StoreError> {
        self.insert_credential(member, kind, None)
            .map(|(_, token)| token)
    }

    /// Creates an API token for `member` and returns its credential ID and
    /// the token.
    pub fn issue_api_token(&self, member: &Member) -> Result<(i64, Token), StoreError> {
        self.insert_credential(member, CredentialKind::Api, None)
    }

    /// Creates a login link token for `member` that opens the Secrets
    /// section of `company`, which must belong to the member's
    /// conglomerate.
    pub fn issue_login_link(
        &self,
        member: &Member,
        company: &CompanyId,
    ) -> Result<Token, StoreError> {
        if !self.may_manage(member, company)? {
            return Err(StoreError::CompanyNotFound(company.clone()));
        }
        self.insert_credential(member, CredentialKind::Login, Some(company))
            .map(|(_, token)| token)
    }

    fn insert_credential(
        &self,
        member: &Member,
        kind: CredentialKind,
        company: Option<&CompanyId>,
    ) -> Result<(i64, Token), StoreError> {
        let token = Token::generate();
        let id = self.write(|transaction| {
            let created_at = now();
            transaction.query_row(
                "INSERT INTO credentials (token_hash, member_id, kind, created_at, expires_at, company_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 RETURNING id",
                params![
                    hash_token(token.expose()),
                    member.id,
                    kind.as_str(),
                    created_at,
                    expiry(kind, created_at),
                    company.map(CompanyId::as_str)
                ],
                |row| row.get(0),
            )
        })?;
        Ok((id, token))
    }

    /// Revokes the API token with credential ID `id`, so it stops working
    /// with the next request. Revoking a revoked token changes nothing.
    pub fn revoke_token(&self, id: i64) -> Result<RevokedToken, StoreError> {
        self.write(|transaction| {
            let found = transaction
                .query_row(
                    "SELECT m.id, m.conglomerate_id, m.name, c.revoked_at
                     FROM credentials c JOIN members m ON m.id = c.member_id
                     WHERE c.id = ?1 AND c.kind = 'api'",
                    [id],
                    |row| {
                        let member = Member {
                            id: row.get(0)?,
                            conglomerate: conglomerate_from_column(row.get(1)?)?,
                            name: row.get(2)?,
                        };
                        Ok((member, row.get::<_, Option<i64>>(3)?))
                    },
                )
                .optional()?;
            let Some((member, revoked_at)) = found else {
                return Err(StoreError::TokenNotFound(id));
            };
            if revoked_at.is_none() {
                transaction.execute(
                    "UPDATE credentials SET revoked_at = ?1 WHERE id = ?2",
                    params![now(), id],
                )?;
            }
            Ok(RevokedToken {
                member,
                already_revoked: revoked_at.is_some(),
            })
        })
    }

    /// Returns the API tokens of `member`, oldest first.
    pub fn list_tokens(&self, member: &Member) -> Result<Vec<TokenInfo>, StoreError> {
        self.read(|connection| {
            let mut statement = connection.prepare(
                "SELECT id, created_at, revoked_at FROM credentials
                 WHERE member_id = ?1 AND kind = 'api' ORDER BY id",
            )?;
            let tokens = statement.query_map([member.id], |row| {
                Ok(TokenInfo {
                    id: row.get(0)?,
                    created_at: format_timestamp(row.get(1)?),
                    revoked_at: row.get::<_, Option<i64>>(2)?.map(format_timestamp),
                })
            })?;
            tokens.collect::<Result<Vec<_>, _>>()
        })
    }

    /// Ends the browser session with this token (logout). Returns whether a
    /// session was ended.
    #[tracing::instrument(level = "trace", skip_all)]
    pub fn end_session(&self, token: &str) -> Result<bool, StoreError> {
        self.write(|transaction| {
            let deleted = transaction.execute(
                "DELETE FROM credentials WHERE token_hash = ?1 AND kind = 'session'",
                [hash_token(token)],
            )?;
            Ok(deleted > 0)
        })
    }

    /// Returns the member whose unexpired, unrevoked credential of `kind`
    /// has this token, or `None`. A removed member has no credentials.
    /// Login tokens are not accepted here: they are exchanged by
    /// [`Store::redeem_login_token`].
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
                    "SELECT m.id, m.conglomerate_id, m.name
                     FROM credentials c JOIN members m ON m.id = c.member_id
                     WHERE c.token_hash = ?1 AND c.kind = ?2 AND c.revoked_at IS NULL
                       AND m.removed_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > ?3)",
                    params![hash_token(token), kind.as_str(), now()],
                    |row| {
                        Ok(Member {
                            id: row.get(0)?,
                            conglomerate: conglomerate_from_column(row.get(1)?)?,
                            name: row.get(2)?,
                        })
                    },
                )
                .optional()?;
            Ok(member)
        })
    }

    /// Returns the member that an unused, unexpired login token signs in
    /// and the company whose section it opens, without using the token up,
    /// so that a page can show whom a link signs in as before the member
    /// confirms.
    #[tracing::instrument(level = "trace", skip_all)]
    pub fn login_token_member(
        &self,
        token: &str,
    ) -> Result<Option<(Member, CompanyId)>, StoreError> {
        self.read(|connection| {
            let found = find_login_token(connection, token, now())?;
            Ok(found.map(|login| (login.member, login.company)))
        })
    }

    /// Marks an unused, unexpired login token as used and opens a session
    /// for its member, in one transaction so that a link works only once.
    /// Returns `None` when the token is unknown, used or expired.
    #[tracing::instrument(level = "trace", skip_all)]
    pub fn redeem_login_token(&self, token: &str) -> Result<Option<RedeemedLogin>, StoreError> {
        let session = Token::generate();
        self.write(|transaction| {
            let current_time = now();
            let Some(login) = find_login_token(transaction, token, current_time)? else {
                return Ok(None);
            };

            transaction.execute(
                "UPDATE credentials SET used_at = ?1 WHERE id = ?2",
                params![current_time, login.credential_id],
            )?;

            // Sign-ins are rare and already write, so they also delete
            // expired login links and sessions, which no request accepts.
            transaction.execute(
                "DELETE FROM credentials WHERE expires_at IS NOT NULL AND expires_at <= ?1",
                [current_time],
            )?;
            transaction.execute(
                "INSERT INTO credentials (token_hash, member_id, kind, created_at, expires_at)
                 VALUES (?1, ?2, 'session', ?3, ?4)",
                params![
                    hash_token(session.expose()),
                    login.member.id,
                    current_time,
                    expiry(CredentialKind::Session, current_time)
                ],
            )?;
            Ok(Some((login.member, login.company)))
        })
        .map(|found| {
            found.map(|(member, company)| RedeemedLogin {
                member,
                company,
                session,
            })
        })
    }
}

/// A login link exchanged for a session.
#[derive(Debug)]
pub struct RedeemedLogin {
    /// The member now signed in.
    pub member: Member,
    /// The company whose section the link opens.
    pub company: CompanyId,
    /// The new session's token, for the cookie.
    pub session: Token,
}

/// A valid login token found by [`find_login_token`].
struct LoginToken {
    credential_id: i64,
    member: Member,
    company: CompanyId,
}

/// Returns an unused login token that has not expired at `current_time`,
/// of a current member, with the company it opens: the one it was issued
/// for, else the first company of the member's conglomerate. A token whose
/// company left the conglomerate, or whose conglomerate has no company, is
/// not valid.
fn find_login_token(
    connection: &Connection,
    token: &str,
    current_time: i64,
) -> Result<Option<LoginToken>, StoreError> {
    let found = connection
        .query_row(
            "SELECT c.id, m.id, m.conglomerate_id, m.name, company.id
             FROM credentials c
             JOIN members m ON m.id = c.member_id
             JOIN companies company ON company.id = COALESCE(
                 c.company_id,
                 (SELECT id FROM companies WHERE conglomerate_id = m.conglomerate_id ORDER BY id LIMIT 1))
             WHERE c.token_hash = ?1 AND c.kind = 'login' AND c.used_at IS NULL AND c.expires_at > ?2
               AND c.revoked_at IS NULL AND m.removed_at IS NULL
               AND company.conglomerate_id = m.conglomerate_id",
            params![hash_token(token), current_time],
            |row| {
                Ok(LoginToken {
                    credential_id: row.get(0)?,
                    member: Member {
                        id: row.get(1)?,
                        conglomerate: conglomerate_from_column(row.get(2)?)?,
                        name: row.get(3)?,
                    },
                    company: company_from_column(row.get(4)?)?,
                })
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
