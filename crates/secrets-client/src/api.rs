//! The HTTP client of the Secrets REST API: one function per endpoint.
//!
//! Tokens travel only in the `Authorization` header, and no function logs
//! or prints a request or response body.

use std::io::Read;
use std::time::Duration;

use secrets_core::api::{
    paths, CreateSecretRequest, ErrorBody, ErrorCode, PublicKeyResponse, SecretList, StartedTask,
    TaskCatalog, TaskSecrets,
};
use secrets_core::CompanyId;
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use crate::error::{printable, CliError};

/// Time limit for opening a connection to the server.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Time limit for a whole request, response body included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Largest response body that the client reads: a task's secrets are at
/// most 50 values of 32 KiB, which JSON escaping can make up to six times
/// larger.
const RESPONSE_MAX_BYTES: usize = 16 << 20;

/// Error of a request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The server returned an error status.
    #[error("the server rejected the request (HTTP {status}): {message}")]
    Rejected {
        /// The HTTP status.
        status: u16,
        /// The error code of the body, or `Unknown` when the body was not
        /// an error body.
        code: ErrorCode,
        /// The body's message, made printable.
        message: String,
    },

    /// The request did not reach the server or got no complete response.
    #[error("cannot reach the server: {0}. Check --server or SECRETS_SERVER.")]
    Unreachable(String),

    /// The response is not what this endpoint returns.
    #[error("the server sent an invalid response: {0}")]
    InvalidResponse(String),
}

impl From<ApiError> for CliError {
    fn from(error: ApiError) -> Self {
        CliError::Server(error.to_string())
    }
}

impl ApiError {
    /// Returns the error code of a rejected request.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Rejected { code, .. } => Some(*code),
            _ => None,
        }
    }
}

/// A connection to one server.
#[derive(Debug)]
pub struct Client {
    agent: ureq::Agent,
    base_url: String,
}

impl Client {
    /// Creates a client for the server at `base_url`, which has no trailing
    /// slash.
    pub fn new(base_url: String) -> Self {
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            // A redirect could send the token to another host.
            .redirects(0)
            .user_agent(concat!("secrets/", env!("CARGO_PKG_VERSION")))
            .build();
        Self { agent, base_url }
    }

    /// Returns the server's base URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Starts a task of `company` with a runner token.
    pub fn start_task(
        &self,
        company: &CompanyId,
        runner_token: &str,
    ) -> Result<StartedTask, ApiError> {
        let request = self.request("POST", &paths::tasks(company), runner_token);
        read_json(request.send_bytes(b"{}"))
    }

    /// Returns a task's secrets, with their values.
    pub fn task_secrets(&self, task_id: &str, task_token: &str) -> Result<TaskSecrets, ApiError> {
        let request = self.request("GET", &paths::task_secrets(task_id), task_token);
        read_json(request.call())
    }

    /// Returns a task's catalog: keys and descriptions.
    pub fn task_catalog(&self, task_id: &str, task_token: &str) -> Result<TaskCatalog, ApiError> {
        let request = self.request("GET", &paths::task_catalog(task_id), task_token);
        read_json(request.call())
    }

    /// Finishes a task, which ends its token.
    pub fn finish_task(&self, task_id: &str, task_token: &str) -> Result<(), ApiError> {
        let request = self.request("POST", &paths::task_finish(task_id), task_token);
        read_body(request.send_bytes(b"")).map(drop)
    }

    /// Returns the key that values of `company` are sealed to.
    pub fn public_key(
        &self,
        company: &CompanyId,
        member_token: &str,
    ) -> Result<PublicKeyResponse, ApiError> {
        let request = self.request("GET", &paths::public_key(company), member_token);
        read_json(request.call())
    }

    /// Returns the keys and descriptions of the company's secrets.
    pub fn list_secrets(
        &self,
        company: &CompanyId,
        member_token: &str,
    ) -> Result<SecretList, ApiError> {
        let request = self.request("GET", &paths::secrets(company), member_token);
        read_json(request.call())
    }

    /// Adds a secret whose value is sealed in `secret`.
    pub fn create_secret(
        &self,
        company: &CompanyId,
        member_token: &str,
        secret: &CreateSecretRequest,
    ) -> Result<(), ApiError> {
        let body = serde_json::to_vec(secret).expect("a create request serializes");
        let request = self.request("POST", &paths::secrets(company), member_token);
        read_body(request.send_bytes(&body)).map(drop)
    }

    fn request(&self, method: &str, path: &str, token: &str) -> ureq::Request {
        let authorization = Zeroizing::new(format!("Bearer {token}"));
        // NOTE: ureq copies the header into its own request, which is not
        // zeroed when it is dropped.
        self.agent
            .request(method, &format!("{}{path}", self.base_url))
            .set("Authorization", &authorization)
            .set("Content-Type", "application/json")
            .set("Accept", "application/json")
    }
}

/// Reads a successful response's body as JSON of type `T`.
fn read_json<T: DeserializeOwned>(
    response: Result<ureq::Response, ureq::Error>,
) -> Result<T, ApiError> {
    let body = read_body(response)?;
    // NOTE: serde_json copies a string with escapes (a value with a line
    // break, for example) into a scratch buffer that is not zeroed.
    serde_json::from_slice(&body).map_err(|error| {
        ApiError::InvalidResponse(format!("the body is not the expected JSON ({error})"))
    })
}

/// Reads a successful response's body, or turns an error response into
/// [`ApiError::Rejected`].
fn read_body(
    response: Result<ureq::Response, ureq::Error>,
) -> Result<Zeroizing<Vec<u8>>, ApiError> {
    match response {
        Ok(response) => read_zeroizing(response.into_reader()),
        Err(ureq::Error::Status(status, response)) => {
            let body = read_zeroizing(response.into_reader()).unwrap_or_default();
            let (code, message) = match serde_json::from_slice::<ErrorBody>(&body) {
                Ok(error) => (error.code, printable(&error.message)),
                Err(_) => (ErrorCode::Unknown, "no error message".to_owned()),
            };
            Err(ApiError::Rejected {
                status,
                code,
                message,
            })
        }
        Err(ureq::Error::Transport(transport)) => {
            Err(ApiError::Unreachable(printable(&transport.to_string())))
        }
    }
}

/// Reads `reader` to its end into memory that is zeroed when it is
/// dropped, also the smaller buffers that growing it leaves behind.
fn read_zeroizing(mut reader: impl Read) -> Result<Zeroizing<Vec<u8>>, ApiError> {
    let mut body = Zeroizing::new(vec![0u8; 8192]);
    let mut length = 0;
    loop {
        if length == body.len() {
            if body.len() >= RESPONSE_MAX_BYTES {
                return Err(ApiError::InvalidResponse(format!(
                    "the body is larger than {} MiB",
                    RESPONSE_MAX_BYTES >> 20
                )));
            }
            // The old buffer is zeroed when it is dropped here.
            let mut larger = Zeroizing::new(vec![0u8; body.len() * 2]);
            larger[..length].copy_from_slice(&body[..length]);
            body = larger;
        }
        match reader.read(&mut body[length..]) {
            Ok(0) => break,
            Ok(read) => length += read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => {
                return Err(ApiError::Unreachable(format!(
                    "reading the response failed: {error}"
                )))
            }
        }
    }
    body.truncate(length);
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_zeroizing_reads_large_bodies() {
        let body: Vec<u8> = (0..100_000u32).map(|n| (n % 251) as u8).collect();
        let read = read_zeroizing(&body[..]).expect("read");
        assert_eq!(&read[..], &body[..]);
        assert!(read_zeroizing(&b""[..]).expect("read").is_empty());
    }

    #[test]
    fn read_zeroizing_rejects_huge_bodies() {
        let reader = std::io::repeat(b'x').take(RESPONSE_MAX_BYTES as u64 + 1);
        let error = read_zeroizing(reader).expect_err("too large");
        assert!(matches!(error, ApiError::InvalidResponse(_)), "{error}");
    }

    #[test]
    fn unreachable_server_is_reported() {
        // A port that was free a moment ago, so the connection is refused.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let address = listener.local_addr().expect("address");
        drop(listener);
        let client = Client::new(format!("http://{address}"));
        let company = CompanyId::parse("acme").expect("valid company");
        let error = client
            .list_secrets(&company, "canary-token-71")
            .expect_err("no server");
        assert!(matches!(error, ApiError::Unreachable(_)), "{error}");
        assert!(!error.to_string().contains("canary"), "{error}");
    }
}
