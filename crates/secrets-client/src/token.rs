//! The tokens that the commands send: where each one is read from, and the
//! message when it is missing or the server rejects it.

use std::ffi::OsStr;
use std::fmt;
use std::io::Read;
use std::path::Path;

use secrets_core::api::ErrorCode;
use zeroize::Zeroizing;

use crate::api::ApiError;
use crate::error::{printable, CliError};
use crate::settings::{
    MEMBER_TOKEN_VARIABLE, RUNNER_TOKEN_FILE_VARIABLE, RUNNER_TOKEN_VARIABLE, TASK_TOKEN_VARIABLE,
};

/// Largest token file that is read. The server's tokens have 64
/// characters, so a larger file contains something else.
const TOKEN_FILE_MAX_BYTES: usize = 4096;

/// Kind of a token, which decides the variable that contains it and the
/// advice when the server rejects it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// A member's API token, for `secrets add` and for `secrets catalog`
    /// outside a task.
    Member,
    /// A runner token, with which `secrets run` starts a task.
    Runner,
    /// The token of a running task, for `secrets catalog` inside
    /// `secrets run`.
    Task,
}

impl TokenKind {
    fn variable(self) -> &'static str {
        match self {
            Self::Member => MEMBER_TOKEN_VARIABLE,
            Self::Runner => RUNNER_TOKEN_VARIABLE,
            Self::Task => TASK_TOKEN_VARIABLE,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Member => "member API token",
            Self::Runner => "runner token",
            Self::Task => "task token",
        }
    }

    /// Returns what to do when the server rejects a token of this kind
    /// that came from `source`.
    fn rejected_advice(self, source: &str) -> String {
        match self {
            Self::Member => format!(
                "Check that {source} contains a member API token from `secrets-server \
                 token issue` that has not expired or been revoked."
            ),
            Self::Runner => format!(
                "Check that {source} contains a runner token from `secrets-server runner \
                 issue` that has not been revoked. A member's API token cannot start tasks."
            ),
            Self::Task => "The task has finished or expired, so its token no longer works. \
                 Run `secrets catalog` inside a running `secrets run`."
                .to_owned(),
        }
    }
}

/// A token and where it came from. `Debug` prints no content.
pub struct Token {
    secret: Zeroizing<String>,
    kind: TokenKind,
    /// The variable, or the file and its variable, that contained the
    /// token, for messages.
    source: String,
}

impl fmt::Debug for Token {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Token")
            .field("kind", &self.kind)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl Token {
    /// Reads a token of `kind` from its environment variable, without the
    /// whitespace around it. `missing_hint` is the advice for a variable
    /// that is not set or empty.
    pub fn from_env(kind: TokenKind, missing_hint: &str) -> Result<Self, CliError> {
        let name = kind.variable();
        let value = match std::env::var(name) {
            Ok(value) => Zeroizing::new(value),
            Err(std::env::VarError::NotPresent) => {
                return Err(CliError::Usage(format!(
                    "{name} is not set. {missing_hint}"
                )));
            }
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(CliError::Usage(format!(
                    "{name} is not valid UTF-8, so it is not a token. {missing_hint}"
                )));
            }
        };
        let token = value.trim();
        if token.is_empty() {
            return Err(CliError::Usage(format!("{name} is empty. {missing_hint}")));
        }
        Ok(Self {
            secret: Zeroizing::new(token.to_owned()),
            kind,
            source: name.to_owned(),
        })
    }

    /// Reads the runner token from the file that `SECRETS_RUNNER_TOKEN_FILE`
    /// names or, when that variable is not set, from
    /// `SECRETS_RUNNER_TOKEN`. Setting both is an error, because either
    /// choice could silently use a token that the caller did not mean.
    pub fn runner() -> Result<Self, CliError> {
        let file = std::env::var_os(RUNNER_TOKEN_FILE_VARIABLE);
        let variable_is_set = std::env::var_os(RUNNER_TOKEN_VARIABLE).is_some();
        match (file, variable_is_set) {
            (Some(_), true) => Err(CliError::Usage(format!(
                "both {RUNNER_TOKEN_FILE_VARIABLE} and {RUNNER_TOKEN_VARIABLE} are set. Unset \
                 one of them."
            ))),
            (Some(path), false) => Self::runner_from_file(&path),
            (None, _) => Self::from_env(
                TokenKind::Runner,
                &format!(
                    "Set {RUNNER_TOKEN_FILE_VARIABLE} to the path of a file that contains a \
                     runner token from `secrets-server runner issue`, or \
                     {RUNNER_TOKEN_VARIABLE} to the token itself."
                ),
            ),
        }
    }

    /// Reads the runner token from the file at `path`.
    fn runner_from_file(path: &OsStr) -> Result<Self, CliError> {
        if path.is_empty() {
            return Err(CliError::Usage(format!(
                "{RUNNER_TOKEN_FILE_VARIABLE} is empty. Set it to the path of a file that \
                 contains a runner token."
            )));
        }
        let path = Path::new(path);
        let source = format!(
            "the file {} ({RUNNER_TOKEN_FILE_VARIABLE})",
            printable(&path.to_string_lossy())
        );
        let read = std::fs::File::open(path).and_then(read_token_file);
        let secret = match read {
            Ok(contents) => parse_token_file(contents).map_err(|problem| {
                CliError::Usage(format!(
                    "{source} does not contain a runner token: {problem}. Write only the \
                     token to it, optionally followed by one newline."
                ))
            })?,
            Err(error) => {
                return Err(CliError::Io(format!(
                    "reading the runner token from {source} failed: {error}"
                )));
            }
        };
        Ok(Self {
            secret,
            kind: TokenKind::Runner,
            source,
        })
    }

    /// Returns the token, to send it.
    pub fn expose(&self) -> &str {
        &self.secret
    }

    /// Converts the error of a request that carried this token into the
    /// command's error. For a 401, the message names where the token came
    /// from, because the server's own message for a rejected member token
    /// is written for the dashboard's users ("Sign in to manage secrets").
    pub fn request_error(&self, error: ApiError) -> CliError {
        match error {
            ApiError::Rejected {
                status: 401, code, ..
            } => CliError::Server(format!(
                "the server did not accept the {} in {} (HTTP 401, code {}). {}",
                self.kind.name(),
                self.source,
                code_name(code),
                self.kind.rejected_advice(&self.source)
            )),
            error => CliError::from(error),
        }
    }
}

/// Reads a token file to its end, at most [`TOKEN_FILE_MAX_BYTES`] and one
/// byte more, into memory that is zeroed when it is dropped.
fn read_token_file(file: impl Read) -> std::io::Result<Zeroizing<Vec<u8>>> {
    // The buffer never grows, so no copy of the token is freed unzeroed.
    let mut contents = Zeroizing::new(Vec::with_capacity(TOKEN_FILE_MAX_BYTES + 1));
    let limit = u64::try_from(TOKEN_FILE_MAX_BYTES + 1).expect("the limit fits in u64");
    file.take(limit).read_to_end(&mut contents)?;
    Ok(contents)
}

/// Returns the token in the contents of a token file: the whole file
/// without one trailing newline. Returns the problem otherwise.
fn parse_token_file(contents: Zeroizing<Vec<u8>>) -> Result<Zeroizing<String>, &'static str> {
    if contents.len() > TOKEN_FILE_MAX_BYTES {
        return Err("the file is larger than 4 KiB");
    }
    let token = contents.strip_suffix(b"\n").unwrap_or(&contents);
    if token.is_empty() {
        return Err("the file is empty");
    }
    if token
        .iter()
        .any(|byte| byte.is_ascii_whitespace() || byte.is_ascii_control())
    {
        return Err("the token contains whitespace or a control character");
    }
    let token = std::str::from_utf8(token).map_err(|_| "the file is not valid UTF-8")?;
    Ok(Zeroizing::new(token.to_owned()))
}

/// Returns an error code as the API spells it, such as `unauthorized`.
fn code_name(code: ErrorCode) -> String {
    match serde_json::to_value(code) {
        Ok(serde_json::Value::String(name)) => name,
        _ => "unknown".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contents(bytes: &[u8]) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(bytes.to_vec())
    }

    fn token(kind: TokenKind, source: &str) -> Token {
        Token {
            secret: Zeroizing::new("canary-token-5".to_owned()),
            kind,
            source: source.to_owned(),
        }
    }

    #[test]
    fn token_file_loses_one_trailing_newline() {
        let token = parse_token_file(contents(b"0af9\n")).expect("valid");
        assert_eq!(token.as_str(), "0af9");
        let token = parse_token_file(contents(b"0af9")).expect("valid");
        assert_eq!(token.as_str(), "0af9");
    }

    #[test]
    fn token_file_rejects_other_contents() {
        let too_large = vec![b'a'; TOKEN_FILE_MAX_BYTES + 1];
        let cases: [(&[u8], &str); 7] = [
            (b"", "the file is empty"),
            (b"\n", "the file is empty"),
            (
                b"0af9\n\n",
                "the token contains whitespace or a control character",
            ),
            (
                b"0af9\r\n",
                "the token contains whitespace or a control character",
            ),
            (
                b" 0af9",
                "the token contains whitespace or a control character",
            ),
            (b"0a\xff", "the file is not valid UTF-8"),
            (&too_large, "the file is larger than 4 KiB"),
        ];
        for (bytes, problem) in cases {
            let error = parse_token_file(contents(bytes)).expect_err("invalid");
            assert_eq!(error, problem, "{:?}", String::from_utf8_lossy(bytes));
        }
    }

    #[test]
    fn token_file_read_stops_after_limit() {
        let endless = std::io::repeat(b'a');
        let read = read_token_file(endless).expect("read");
        assert_eq!(read.len(), TOKEN_FILE_MAX_BYTES + 1);
    }

    #[test]
    fn rejected_token_names_its_source() {
        let token = token(TokenKind::Member, MEMBER_TOKEN_VARIABLE);
        let rejected = ApiError::Rejected {
            status: 401,
            code: ErrorCode::Unauthorized,
            message: "Sign in to manage secrets.".to_owned(),
        };
        let message = token.request_error(rejected).to_string();
        assert_eq!(
            message,
            "the server did not accept the member API token in SECRETS_TOKEN (HTTP 401, code \
             unauthorized). Check that SECRETS_TOKEN contains a member API token from \
             `secrets-server token issue` that has not expired or been revoked."
        );
        assert!(!format!("{token:?}").contains("canary"), "{token:?}");
    }

    #[test]
    fn other_rejections_keep_the_server_message() {
        let token = token(TokenKind::Runner, RUNNER_TOKEN_VARIABLE);
        let rejected = ApiError::Rejected {
            status: 404,
            code: ErrorCode::NotFound,
            message: "No company with this ID was found.".to_owned(),
        };
        assert_eq!(
            token.request_error(rejected).to_string(),
            "the server rejected the request (HTTP 404): No company with this ID was found."
        );
    }
}
