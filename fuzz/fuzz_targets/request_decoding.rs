//! Fuzzes how the server decodes request bodies, through its public router
//! ([`secrets_server::app`]) over a real SQLite store in a temporary
//! directory: the JSON bodies of create, description update and import
//! (`JsonBody` in `http/json_body.rs`), the sign-in form, and the bodies
//! that the task start and finish routes must ignore.
//!
//! Checks that no request panics or gets a 5xx, and that each rejection
//! has the documented status and a JSON error body whose code fits that
//! status. No response may repeat a `value` or `sealed_value` string that
//! contains the marker `CANARY`.
//!
//! Input format: byte 0 picks the route, byte 1 the `Content-Type`, byte 2
//! how the body is framed and declared, and the rest is the body. The seeds
//! in `fuzz/corpus/request_decoding/` use readable letters for the first
//! two bytes, listed in [`Route::from_byte`] and [`content_type`].

#![no_main]

use std::collections::VecDeque;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{Method, Request, StatusCode};
use axum::Router;
use bytes::Bytes;
use http_body::Frame;
use http_body_util::BodyExt;
use libfuzzer_sys::fuzz_target;
use secrets_core::api::{paths, ErrorBody, ErrorCode, StartedTask};
use secrets_core::{CompanyId, SecretKey};
use secrets_server::crypto::MasterKey;
use secrets_server::http::{MAX_BODY_BYTES, MAX_IMPORT_BODY_BYTES};
use secrets_server::store::{CredentialKind, MemberName, RunnerName, Store};
use secrets_server::{app, AppState, TaskRateLimit, WriteRateLimit};
use serde_json::Value;
use tower::ServiceExt;

/// Master key of the fuzzing store, which contains no real secret.
const MASTER_KEY: &str = "4f7a7a2d6d61737465722d6b65792d666f722d66757a7a696e672d6f6e6c7921";

/// Marker of value strings that no response may repeat.
const CANARY: &str = "CANARY";

/// The router and the credentials that the requests use, created once per
/// fuzzing process.
struct Server {
    runtime: tokio::runtime::Runtime,
    router: Router,
    company: CompanyId,
    api_token: String,
    runner_token: String,
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(start_server)
}

/// Opens a store in a new directory under the system's temporary
/// directory, which scripts/fuzz.sh points into `fuzz/target` and removes
/// after the run.
fn start_server() -> Server {
    let data_dir = std::env::temp_dir().join(format!("secrets-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&data_dir).expect("create the data directory");
    let master_key = MasterKey::from_hex(MASTER_KEY, "fuzz").expect("valid master key");
    let store = Store::open(&data_dir, master_key).expect("open the store");

    let company = CompanyId::parse("acme").expect("valid company");
    let name = MemberName::parse("fuzz").expect("valid member name");
    let member = store
        .ensure_member(&company, &name)
        .expect("create the member");
    let api_token = store
        .issue_credential(&member, CredentialKind::Api)
        .expect("issue an API token")
        .expose()
        .to_owned();
    let runner_name = RunnerName::parse("fuzz").expect("valid runner name");
    let (_, runner_token) = store
        .issue_runner(&company, &runner_name)
        .expect("issue a runner token");
    let runner_token = runner_token.expose().to_owned();

    // No rate limit may turn a request into a 429 before its body is read.
    let unlimited = WriteRateLimit {
        burst: u32::MAX,
        per_minute: u32::MAX,
    };
    let unlimited_tasks = TaskRateLimit {
        burst: u32::MAX,
        per_minute: u32::MAX,
    };
    let state = AppState::new(store, PathBuf::from("/nonexistent/dist"))
        .with_write_rate_limit(unlimited)
        .with_task_rate_limit(unlimited_tasks);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("start the tokio runtime");
    Server {
        runtime,
        router: app(state),
        company,
        api_token,
        runner_token,
    }
}

/// The route that receives the body.
#[derive(Clone, Copy, Debug)]
enum Route {
    Create,
    Update,
    Import,
    /// A task start and the finish of that task, both with the body.
    Task,
    SignIn,
}

impl Route {
    const ALL: [Route; 5] = [
        Route::Create,
        Route::Update,
        Route::Import,
        Route::Task,
        Route::SignIn,
    ];

    /// Maps `c`, `u`, `i`, `t` and `l` to their routes, and any other byte
    /// to a route by its remainder.
    fn from_byte(byte: u8) -> Self {
        match byte {
            b'c' => Route::Create,
            b'u' => Route::Update,
            b'i' => Route::Import,
            b't' => Route::Task,
            b'l' => Route::SignIn,
            other => Self::ALL[usize::from(other) % Self::ALL.len()],
        }
    }

    fn max_body_bytes(self) -> usize {
        match self {
            Route::Import => MAX_IMPORT_BODY_BYTES,
            _ => MAX_BODY_BYTES,
        }
    }
}

/// Maps `j`, `J`, `f` and `t` to a `Content-Type` header, `n` to no
/// header, and any other byte to one of these by its remainder.
fn content_type(byte: u8) -> Option<&'static str> {
    const TYPES: [Option<&str>; 5] = [
        Some("application/json"),
        Some("Application/JSON; charset=utf-8"),
        Some("application/x-www-form-urlencoded"),
        Some("text/plain"),
        None,
    ];
    match byte {
        b'j' => TYPES[0],
        b'J' => TYPES[1],
        b'f' => TYPES[2],
        b't' => TYPES[3],
        b'n' => TYPES[4],
        other => TYPES[usize::from(other) % TYPES.len()],
    }
}

/// The framing of the body, from byte 2 of the input. The low 2 bits pick the
/// `Content-Length` header: none, exact, 1000 bytes more than sent, or one
/// byte over the route's limit. The next 4 bits pick the frame size: 0
/// sends the body in one frame, 1 to 15 in frames of that many bytes.
#[derive(Clone, Copy, Debug)]
struct Framing {
    declared_length: DeclaredLength,
    frame_size: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DeclaredLength {
    None,
    Exact,
    Larger,
    OverLimit,
}

impl Framing {
    fn from_byte(byte: u8) -> Self {
        let declared_length = match byte & 0b11 {
            0 => DeclaredLength::None,
            1 => DeclaredLength::Exact,
            2 => DeclaredLength::Larger,
            _ => DeclaredLength::OverLimit,
        };
        Self {
            declared_length,
            frame_size: usize::from((byte >> 2) & 0b1111),
        }
    }

    fn header_value(self, body_length: usize, max_bytes: usize) -> Option<String> {
        match self.declared_length {
            DeclaredLength::None => None,
            DeclaredLength::Exact => Some(body_length.to_string()),
            DeclaredLength::Larger => Some((body_length + 1000).to_string()),
            DeclaredLength::OverLimit => Some((max_bytes + 1).to_string()),
        }
    }
}

/// A request body sent as a fixed list of data frames, as a client that
/// writes in pieces would.
struct FramedBody {
    frames: VecDeque<Bytes>,
}

impl FramedBody {
    fn new(body: &[u8], frame_size: usize) -> Self {
        let frames = if frame_size == 0 || body.is_empty() {
            VecDeque::from([Bytes::copy_from_slice(body)])
        } else {
            body.chunks(frame_size)
                .map(Bytes::copy_from_slice)
                .collect()
        };
        Self { frames }
    }
}

impl http_body::Body for FramedBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _context: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        Poll::Ready(self.frames.pop_front().map(|data| Ok(Frame::data(data))))
    }
}

/// One fuzzed request before it is sent.
struct Input<'a> {
    route: Route,
    content_type: Option<&'static str>,
    framing: Framing,
    body: &'a [u8],
}

/// The parts of a response that the checks read.
struct Reply {
    status: StatusCode,
    content_type: Option<String>,
    body: Bytes,
}

fuzz_target!(|data: &[u8]| {
    let [route, content_type_byte, framing, body @ ..] = data else {
        return;
    };
    let input = Input {
        route: Route::from_byte(*route),
        content_type: content_type(*content_type_byte),
        framing: Framing::from_byte(*framing),
        body,
    };
    let server = server();
    server.runtime.block_on(check_route(server, &input));
});

async fn check_route(server: &Server, input: &Input<'_>) {
    match input.route {
        Route::Create | Route::Update | Route::Import => {
            let path = match input.route {
                Route::Create => paths::secrets(&server.company),
                Route::Import => paths::import(&server.company),
                _ => {
                    let key = SecretKey::parse("API_KEY").expect("valid key");
                    paths::secret(&server.company, &key)
                }
            };
            let method = match input.route {
                Route::Update => Method::PATCH,
                _ => Method::POST,
            };
            let reply = send(server, method, &path, &server.api_token, input).await;
            check_json_reply(input, &reply);
        }
        Route::Task => check_task_routes(server, input).await,
        Route::SignIn => {
            let reply = send(server, Method::POST, paths::LOGIN_ROUTE, "", input).await;
            check_sign_in_reply(input, &reply);
        }
    }
}

async fn send(
    server: &Server,
    method: Method,
    path: &str,
    token: &str,
    input: &Input<'_>,
) -> Reply {
    let mut request = Request::builder().method(method).uri(path);
    if !token.is_empty() {
        request = request.header(AUTHORIZATION, format!("Bearer {token}"));
    }
    if let Some(content_type) = input.content_type {
        request = request.header(CONTENT_TYPE, content_type);
    }
    let max_bytes = input.route.max_body_bytes();
    if let Some(length) = input.framing.header_value(input.body.len(), max_bytes) {
        request = request.header(CONTENT_LENGTH, length);
    }
    let body = Body::new(FramedBody::new(input.body, input.framing.frame_size));
    let request = request.body(body).expect("a valid request");

    let response = server
        .router
        .clone()
        .oneshot(request)
        .await
        .expect("the router is infallible");
    let status = response.status();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .map(|value| value.to_str().expect("an ASCII content type").to_owned());
    let body = response
        .into_body()
        .collect()
        .await
        .expect("a response body in memory")
        .to_bytes();
    Reply {
        status,
        content_type,
        body,
    }
}

/// Checks a response of a route with a JSON body.
fn check_json_reply(input: &Input<'_>, reply: &Reply) {
    let status = reply.status;
    assert!(!status.is_server_error(), "{status} for {:?}", input.route);
    check_no_canary(input.body, &reply.body);
    if status.is_success() {
        return;
    }

    assert_eq!(reply.content_type.as_deref(), Some("application/json"));
    let error: ErrorBody =
        serde_json::from_slice(&reply.body).expect("an error response has a JSON error body");
    assert!(!error.message.is_empty());

    // The checks of `JsonBody` run in order: the content type, the
    // declared length, then the body itself.
    let json_declared = input
        .content_type
        .and_then(|value| value.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"));
    if !json_declared {
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(error.code, ErrorCode::InvalidBody);
        return;
    }
    if input.framing.declared_length == DeclaredLength::OverLimit {
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(error.code, ErrorCode::PayloadTooLarge);
        return;
    }
    if std::str::from_utf8(input.body).is_err() {
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(error.code, ErrorCode::InvalidBody);
        return;
    }
    let codes: &[ErrorCode] = match status {
        StatusCode::BAD_REQUEST => &[ErrorCode::InvalidBody],
        StatusCode::NOT_FOUND => &[ErrorCode::NotFound],
        StatusCode::CONFLICT => &[
            ErrorCode::StalePublicKey,
            ErrorCode::DuplicateKey,
            ErrorCode::LimitReached,
        ],
        StatusCode::UNPROCESSABLE_ENTITY => &[
            ErrorCode::InvalidKey,
            ErrorCode::InvalidValue,
            ErrorCode::InvalidDescription,
            ErrorCode::PlaintextValue,
            ErrorCode::InvalidImport,
            ErrorCode::ValueWriteOnce,
        ],
        other => panic!("unexpected status {other} for {:?}: {error:?}", input.route),
    };
    assert!(
        codes.contains(&error.code),
        "{status} with {:?}",
        error.code
    );

    // A body that is not a JSON object is rejected before any field is read.
    let is_object =
        serde_json::from_slice::<Value>(input.body).is_ok_and(|value| value.is_object());
    if !is_object {
        assert_eq!(status, StatusCode::BAD_REQUEST, "{:?}", error.message);
    }
}

/// Checks that a task start and the finish of that task ignore the body
/// they carry.
async fn check_task_routes(server: &Server, input: &Input<'_>) {
    let path = paths::tasks(&server.company);
    let reply = send(server, Method::POST, &path, &server.runner_token, input).await;
    assert_eq!(reply.status, StatusCode::CREATED, "task start");
    let task: StartedTask = serde_json::from_slice(&reply.body).expect("a started task");

    let path = paths::task_finish(&task.task_id);
    let reply = send(server, Method::POST, &path, &task.task_token, input).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "task finish");
}

/// Checks a response of the sign-in form, whose fuzzed token never matches
/// a login link.
fn check_sign_in_reply(input: &Input<'_>, reply: &Reply) {
    let status = reply.status;
    let form_declared = input.content_type == Some("application/x-www-form-urlencoded");
    if !form_declared {
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        return;
    }
    if input.framing.declared_length == DeclaredLength::OverLimit {
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        return;
    }
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// Fails when the response repeats a `value` or `sealed_value` string of
/// the request that contains [`CANARY`], unless another field of the
/// request also contains that string, because keys are echoed in
/// messages.
fn check_no_canary(request_body: &[u8], response_body: &[u8]) {
    let Ok(request) = serde_json::from_slice::<Value>(request_body) else {
        return;
    };
    let mut values = Vec::new();
    let mut others = Vec::new();
    collect_strings(&request, false, &mut values, &mut others);

    let response = String::from_utf8_lossy(response_body);
    for value in values.iter().filter(|value| value.contains(CANARY)) {
        let echoed_elsewhere = others.iter().any(|other| other.contains(value.as_str()));
        assert!(
            echoed_elsewhere || !response.contains(value.as_str()),
            "the response repeats a value: {response}"
        );
    }
}

/// Sorts the strings of `value` into those under a `value` or
/// `sealed_value` field and all others, field names included.
fn collect_strings(
    value: &Value,
    is_value: bool,
    values: &mut Vec<String>,
    others: &mut Vec<String>,
) {
    match value {
        Value::String(text) if is_value => values.push(text.clone()),
        Value::String(text) => others.push(text.clone()),
        Value::Array(items) => {
            for item in items {
                collect_strings(item, is_value, values, others);
            }
        }
        Value::Object(fields) => {
            for (name, field) in fields {
                others.push(name.clone());
                let field_is_value = is_value || name == "value" || name == "sealed_value";
                collect_strings(field, field_is_value, values, others);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}
