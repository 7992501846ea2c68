//! The HTTP client of the Secrets REST API: one function per endpoint.
//!
//! Tokens travel only in the `Authorization` header, and no function logs
//! or prints a request or response body.

use std::cell::Cell;
use std::io::{ErrorKind, Read};
use std::time::Duration;

use secrets_core::api::{
    paths, CreateSecretRequest, ErrorBody, ErrorCode, PublicKeyResponse, SecretList, StartedTask,
    TaskCatalog, TaskSecrets,
};
use secrets_core::CompanyId;
use serde::de::DeserializeOwned;
use serde_json::error::Category;
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

    /// The server closed the connection while the request body was being
    /// sent. The server does that when it answers before it reads the
    /// body, with a 429 for example, but ureq 2 then reports only the
    /// failed write, not the answer.
    #[error(
        "the server closed the connection before the request was sent. It may be \
         rate-limiting requests, so try again in a minute."
    )]
    ClosedWhileSending,

    /// The server redirected the request, which this client does not
    /// follow.
    #[error("{}", redirect_message(*status, location.as_deref(), base_url.as_deref()))]
    Redirected {
        /// The HTTP status, 300 to 399.
        status: u16,
        /// The `Location` header, made printable, if the response had one.
        location: Option<String>,
        /// The base URL that the location implies, when it ends with the
        /// path of the request.
        base_url: Option<String>,
    },

    /// The response is not what this endpoint returns.
    #[error("the server sent an invalid response: {0}")]
    InvalidResponse(String),
}

/// Returns the message of [`ApiError::Redirected`].
fn redirect_message(status: u16, location: Option<&str>, base_url: Option<&str>) -> String {
    match (location, base_url) {
        (Some(location), Some(base_url)) => format!(
            "the server redirected the request (HTTP {status}) to {location}. Pass {base_url} \
             with --server or SECRETS_SERVER."
        ),
        (Some(location), None) => format!(
            "the server redirected the request (HTTP {status}) to {location}. Pass the base URL \
             of the server at that location with --server or SECRETS_SERVER."
        ),
        (None, _) => format!(
            "the server returned a redirect (HTTP {status}) without a Location header. Check \
             --server or SECRETS_SERVER."
        ),
    }
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

/// A connection to one server. Clones share the connection pool.
#[derive(Debug, Clone)]
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
            // Following redirects, ureq 2.12 turns a POST that gets a 301,
            // 302 or 303 into a GET without the body, and returns a 307 or
            // 308 of a POST unfollowed, as a success. A task start, a task
            // finish or a new secret must not silently become another
            // request or be skipped. (The token would not leak, because
            // ureq drops the Authorization header on every redirect by
            // default.) So `read_body` rejects every 3xx and names its
            // Location.
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
        let body = self.send("POST", &paths::tasks(company), runner_token, Some(b"{}"))?;
        parse_json(&body)
    }

    /// Returns a task's secrets, with their values.
    pub fn task_secrets(&self, task_id: &str, task_token: &str) -> Result<TaskSecrets, ApiError> {
        let body = self.send("GET", &paths::task_secrets(task_id), task_token, None)?;
        parse_json(&body)
    }

    /// Returns a task's catalog: keys and descriptions.
    pub fn task_catalog(&self, task_id: &str, task_token: &str) -> Result<TaskCatalog, ApiError> {
        let body = self.send("GET", &paths::task_catalog(task_id), task_token, None)?;
        parse_json(&body)
    }

    /// Finishes a task, which ends its token.
    pub fn finish_task(&self, task_id: &str, task_token: &str) -> Result<(), ApiError> {
        self.send("POST", &paths::task_finish(task_id), task_token, Some(b""))
            .map(drop)
    }

    /// Returns the key that values of `company` are sealed to.
    pub fn public_key(
        &self,
        company: &CompanyId,
        member_token: &str,
    ) -> Result<PublicKeyResponse, ApiError> {
        let body = self.send("GET", &paths::public_key(company), member_token, None)?;
        parse_json(&body)
    }

    /// Returns the keys and descriptions of the company's secrets.
    pub fn list_secrets(
        &self,
        company: &CompanyId,
        member_token: &str,
    ) -> Result<SecretList, ApiError> {
        let body = self.send("GET", &paths::secrets(company), member_token, None)?;
        parse_json(&body)
    }

    /// Adds a secret whose value is sealed in `secret`.
    pub fn create_secret(
        &self,
        company: &CompanyId,
        member_token: &str,
        secret: &CreateSecretRequest,
    ) -> Result<(), ApiError> {
        let body = serde_json::to_vec(secret).expect("a create request serializes");
        self.send("POST", &paths::secrets(company), member_token, Some(&body))
            .map(drop)
    }

    /// Sends a request to the endpoint at `path`, with `body` or, when it
    /// is `None`, without one, and returns the body of a 2xx response.
    fn send(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<&[u8]>,
    ) -> Result<Zeroizing<Vec<u8>>, ApiError> {
        let authorization = Zeroizing::new(format!("Bearer {token}"));
        // NOTE: ureq copies the header into its own request, and ureq and
        // rustls buffer the response (a task's values included) in their
        // own read and TLS buffers. None of these copies is zeroed when it
        // is dropped.
        let request = self
            .agent
            .request(method, &format!("{}{path}", self.base_url))
            .set("Authorization", &authorization)
            .set("Content-Type", "application/json")
            .set("Accept", "application/json");
        let body_sent = Cell::new(false);
        let response = match body {
            Some(body) => {
                request
                    .set("Content-Length", &body.len().to_string())
                    .send(TrackedBody {
                        rest: body,
                        sent: &body_sent,
                    })
            }
            None => request.call(),
        };
        let interrupted_body = body.is_some() && !body_sent.get();
        read_body(response, path, interrupted_body)
    }
}

/// A request body that records when ureq has read it to its end. ureq
/// writes each part that it reads to the connection before it reads the
/// next, so at that point every byte of the body was written.
struct TrackedBody<'a> {
    rest: &'a [u8],
    sent: &'a Cell<bool>,
}

impl Read for TrackedBody<'_> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let read = self.rest.read(buffer)?;
        if read == 0 && !buffer.is_empty() {
            self.sent.set(true);
        }
        Ok(read)
    }
}

/// Returns `true` when `transport` failed because the server closed the
/// connection.
fn closed_by_server(transport: &ureq::Transport) -> bool {
    let io_error = std::error::Error::source(transport)
        .and_then(|source| source.downcast_ref::<std::io::Error>());
    io_error.is_some_and(|error| {
        matches!(
            error.kind(),
            ErrorKind::BrokenPipe | ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted
        )
    })
}

/// Parses a response body as JSON of type `T`. The error names only the
/// kind of problem and where it is: for a value of the wrong type,
/// serde_json's message quotes the value, which may be a secret's.
fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    // NOTE: serde_json copies a string with escapes (a value with a line
    // break, for example) into a scratch buffer that is not zeroed.
    serde_json::from_slice(body).map_err(|error| {
        let problem = match error.classify() {
            Category::Io => "a read error",
            Category::Syntax => "invalid JSON",
            Category::Data => "a missing field or a value of the wrong type",
            Category::Eof => "an unexpected end",
        };
        ApiError::InvalidResponse(format!(
            "the body is not the expected JSON: {problem} at line {}, column {}",
            error.line(),
            error.column()
        ))
    })
}

/// Reads the body of a 2xx response to the request of `path`, or turns
/// any other response into an error. `interrupted_body` is `true` when the
/// request had a body that was not sent to its end.
fn read_body(
    response: Result<ureq::Response, ureq::Error>,
    path: &str,
    interrupted_body: bool,
) -> Result<Zeroizing<Vec<u8>>, ApiError> {
    match response {
        Ok(response) if (200..300).contains(&response.status()) => {
            read_zeroizing(response.into_reader())
        }
        Ok(response) if (300..400).contains(&response.status()) => {
            let location = response.header("Location").map(printable);
            let base_url = location
                .as_deref()
                .and_then(|location| location.strip_suffix(path))
                .filter(|base_url| {
                    base_url.starts_with("https://") || base_url.starts_with("http://")
                })
                .map(str::to_owned);
            Err(ApiError::Redirected {
                status: response.status(),
                location,
                base_url,
            })
        }
        // ureq returns statuses of 400 and up as errors, so only a 1xx
        // status ends here. This client sends no `Expect: 100-continue`.
        Ok(response) => Err(ApiError::InvalidResponse(format!(
            "unexpected HTTP status {}",
            response.status()
        ))),
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
        Err(ureq::Error::Transport(transport))
            if interrupted_body && closed_by_server(&transport) =>
        {
            Err(ApiError::ClosedWhileSending)
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
    use crate::test_server::{scripted_server, Reply};
    use std::net::TcpListener;

    #[test]
    fn redirects_are_reported_not_followed() {
        // The redirects point here, and no request may arrive.
        let target = TcpListener::bind("127.0.0.1:0").expect("bind");
        target.set_nonblocking(true).expect("non-blocking");
        let target_url = format!("http://{}", target.local_addr().expect("address"));
        let company = CompanyId::parse("acme").expect("valid company");
        let tasks_location = format!("{target_url}{}", paths::tasks(&company));
        let secrets_location = format!("{target_url}{}", paths::secrets(&company));
        let (base_url, received) = scripted_server(vec![
            Reply::redirect(301, tasks_location.clone()),
            Reply::redirect(302, tasks_location.clone()),
            Reply::redirect(307, tasks_location),
            Reply::redirect(302, secrets_location),
        ]);
        let client = Client::new(base_url);

        for status in [301, 302, 307] {
            let error = client
                .start_task(&company, "runner-token")
                .expect_err("redirect");
            assert!(
                matches!(error, ApiError::Redirected { status: s, .. } if s == status),
                "{error}"
            );
            let message = error.to_string();
            assert!(
                message.contains(&format!("(HTTP {status}) to {target_url}/api/v1/")),
                "{message}"
            );
            assert!(
                message.contains(&format!("Pass {target_url} with --server")),
                "{message}"
            );
        }
        let error = client
            .list_secrets(&company, "member-token")
            .expect_err("redirect");
        assert!(
            matches!(error, ApiError::Redirected { status: 302, .. }),
            "{error}"
        );

        // Each request was sent once, as it was made.
        let received = received.lock().expect("lock");
        let requests: Vec<(&str, &str)> = received
            .iter()
            .map(|request| (request.request_line.as_str(), request.body.as_str()))
            .collect();
        assert_eq!(
            requests,
            [
                ("POST /api/v1/companies/acme/tasks HTTP/1.1", "{}"),
                ("POST /api/v1/companies/acme/tasks HTTP/1.1", "{}"),
                ("POST /api/v1/companies/acme/tasks HTTP/1.1", "{}"),
                ("GET /api/v1/companies/acme/secrets HTTP/1.1", ""),
            ]
        );
        assert!(target.accept().is_err(), "a redirect was followed");
    }

    #[test]
    fn redirect_message_without_base_url() {
        let relative = redirect_message(308, Some("/elsewhere"), None);
        assert_eq!(
            relative,
            "the server redirected the request (HTTP 308) to /elsewhere. Pass the base URL of \
             the server at that location with --server or SECRETS_SERVER."
        );
        let missing = redirect_message(302, None, None);
        assert!(missing.contains("without a Location header"), "{missing}");
    }

    #[test]
    fn parse_json_hides_mismatched_values() {
        let body = br#"{"secrets":"canary-value-4"}"#;
        let error = parse_json::<TaskSecrets>(body).expect_err("wrong type");
        assert_eq!(
            error.to_string(),
            "the server sent an invalid response: the body is not the expected JSON: a missing \
             field or a value of the wrong type at line 1, column 27"
        );

        let body = br#"{"secrets":[{"key":"K","description":"","value":canary}]}"#;
        let error = parse_json::<TaskSecrets>(body).expect_err("invalid JSON");
        let message = error.to_string();
        assert!(
            message.contains("invalid JSON at line 1, column 49"),
            "{message}"
        );
        assert!(!message.contains("canary"), "{message}");
    }

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
    fn closed_while_sending_is_reported() {
        // The server sends a 429 after the request's headers and closes
        // the connection without reading the body, which is larger than
        // the socket buffers of both ends, so the client is still writing.
        let (base_url, received) = scripted_server(vec![Reply::json(
            429,
            r#"{"code":"rate_limited","message":"Too many changes in a short time."}"#,
        )
        .before_body()]);

        let client = Client::new(base_url);
        let company = CompanyId::parse("acme").expect("valid company");
        let request = CreateSecretRequest {
            key: "API_KEY".to_owned(),
            sealed_value: "A".repeat(16 << 20),
            key_id: "key-id".to_owned(),
            description: String::new(),
        };
        let error = client
            .create_secret(&company, "member-token", &request)
            .expect_err("closed connection");

        assert!(matches!(error, ApiError::ClosedWhileSending), "{error}");
        assert_eq!(
            error.to_string(),
            "the server closed the connection before the request was sent. It may be \
             rate-limiting requests, so try again in a minute."
        );
        let received = received.lock().expect("lock");
        assert_eq!(
            received[0].request_line,
            "POST /api/v1/companies/acme/secrets HTTP/1.1"
        );
    }

    #[test]
    fn body_is_sent_with_its_length() {
        let (base_url, received) = scripted_server(vec![Reply::json(201, "{}")]);
        let client = Client::new(base_url);
        let company = CompanyId::parse("acme").expect("valid company");
        let request = CreateSecretRequest {
            key: "API_KEY".to_owned(),
            sealed_value: "c2VhbGVk".to_owned(),
            key_id: "key-id".to_owned(),
            description: "For \"x\"".to_owned(),
        };
        client
            .create_secret(&company, "member-token", &request)
            .expect("created");
        let received = received.lock().expect("lock");
        let expected = serde_json::to_string(&request).expect("serialize");
        assert_eq!(received[0].body, expected);
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
