//! Bad request bodies on every route that reads one: a wrong content type,
//! invalid UTF-8, deeply nested JSON, repeated fields, bodies over the
//! limit and bodies that stall. Each gets a 4xx with the documented code
//! and a message that names the fix, stores nothing, and never shows a
//! canary from the body in the response or the log. The routes that
//! document no body ignore one.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use common::{raw_request, TestServer};
use secrets_server::http::SESSION_COOKIE;
use secrets_server::http::{MAX_BODY_BYTES, MAX_IMPORT_BODY_BYTES};
use secrets_server::store::CredentialKind;
use secrets_server::Timeouts;
use serde_json::Value;

const CANARY: &str = "CANARY-bad-body-5d1c";

const UNSUPPORTED: &str =
    "Send the request body as JSON, with the header Content-Type: application/json.";
const NOT_JSON: &str = "The request body is not valid JSON.";
const NOT_UTF8: &str = "The request body is not valid UTF-8. Send the JSON encoded as UTF-8.";
const TOO_DEEP: &str = "The request body nests arrays or objects more than 32 levels deep. Send the JSON object that this endpoint documents.";
const REPEATED: &str = "The request body contains a field more than once. Send each field once.";
const CREATE_SHAPE: &str = "The request body must be a JSON object with the text fields key, sealed_value and key_id, and optionally description.";
const IMPORT_SHAPE: &str = "The request body must be a JSON object with a secrets array, whose items are objects with the text fields key, sealed_value and key_id, and optionally description.";
const PATCH_SHAPE: &str = "The request body must be a JSON object with the text field description.";

/// Log lines of every in-process server of this file, at the trace level
/// except for the dependencies whose verbose levels print raw bytes, as
/// `secrets-server serve` caps them.
fn captured_log() -> Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let log = Arc::new(Mutex::new(Vec::new()));
        let writer = Arc::clone(&log);
        tracing_subscriber::fmt()
            .with_env_filter("trace,hyper=info,hyper_util=info,h2=info,axum::rejection=off")
            .with_ansi(false)
            .with_writer(move || LogWriter(Arc::clone(&writer)))
            .init();
        log
    })
    .clone()
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn assert_log_has_no_canary() {
    let log = captured_log();
    let log = String::from_utf8_lossy(&log.lock().expect("log lock")).into_owned();
    assert!(!log.is_empty(), "no log line was captured");
    assert!(!log.contains(CANARY), "{log}");
}

/// A JSON route that reads a body.
#[derive(Clone, Copy, Debug)]
enum Route {
    Create,
    Import,
    Patch,
}

impl Route {
    const ALL: [Route; 3] = [Route::Create, Route::Import, Route::Patch];

    fn method(self) -> &'static str {
        match self {
            Route::Create | Route::Import => "POST",
            Route::Patch => "PATCH",
        }
    }

    fn path(self) -> &'static str {
        match self {
            Route::Create => "/api/v1/companies/acme/secrets",
            Route::Import => "/api/v1/companies/acme/secrets/import",
            Route::Patch => "/api/v1/companies/acme/secrets/EXISTING",
        }
    }

    fn shape_message(self) -> &'static str {
        match self {
            Route::Create => CREATE_SHAPE,
            Route::Import => IMPORT_SHAPE,
            Route::Patch => PATCH_SHAPE,
        }
    }

    fn max_bytes(self) -> usize {
        match self {
            Route::Import => MAX_IMPORT_BODY_BYTES,
            Route::Create | Route::Patch => MAX_BODY_BYTES,
        }
    }

    fn too_large_message(self) -> &'static str {
        match self {
            Route::Import => "The request body is larger than the limit of 2,337 KiB.",
            Route::Create | Route::Patch => "The request body is larger than the limit of 256 KiB.",
        }
    }

    /// Returns a body that the route accepts, with the canary in its
    /// description.
    async fn valid_body(self, server: &TestServer, token: &str) -> String {
        let mut create = server.sealed_request(token, "acme", "NEW_KEY", "v").await;
        create["description"] = Value::from(CANARY);
        let body = match self {
            Route::Create => create,
            Route::Import => serde_json::json!({ "secrets": [create] }),
            Route::Patch => serde_json::json!({ "description": CANARY }),
        };
        body.to_string()
    }

    /// Returns the text that repeats a field of the body's outer object.
    fn repeated_field(self) -> &'static str {
        match self {
            Route::Create | Route::Patch => r#""description":"first","#,
            Route::Import => r#""secrets":[],"#,
        }
    }
}

/// One bad body: what it is, the content type it is sent with, and the
/// expected status and message. Every expected code is `invalid_body`.
struct Case {
    name: &'static str,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    status: u16,
    message: &'static str,
}

/// Returns `text` with `inserted` after its first `{`.
fn insert_after_brace(text: &str, inserted: &[u8]) -> Vec<u8> {
    let (head, tail) = text.split_at(1);
    [head.as_bytes(), inserted, tail.as_bytes()].concat()
}

fn cases(route: Route, valid: &str) -> Vec<Case> {
    let json = Some("application/json");
    let deep = format!(r#""value":{}1{},"#, "[".repeat(10_000), "]".repeat(10_000));
    vec![
        Case {
            name: "text/plain content type",
            content_type: Some("text/plain"),
            body: valid.as_bytes().to_vec(),
            status: 415,
            message: UNSUPPORTED,
        },
        Case {
            name: "form content type",
            content_type: Some("application/x-www-form-urlencoded"),
            body: valid.as_bytes().to_vec(),
            status: 415,
            message: UNSUPPORTED,
        },
        Case {
            name: "no content type",
            content_type: None,
            body: valid.as_bytes().to_vec(),
            status: 415,
            message: UNSUPPORTED,
        },
        Case {
            name: "invalid UTF-8 in a field",
            content_type: json,
            body: valid
                .replace(CANARY, &format!("{CANARY}\u{1}"))
                .bytes()
                .map(|byte| if byte == 1 { 0xFF } else { byte })
                .collect(),
            status: 400,
            message: NOT_UTF8,
        },
        Case {
            name: "invalid UTF-8 in an unknown field",
            content_type: json,
            body: insert_after_brace(valid, b"\"note\":\"\xFF\xFE\","),
            status: 400,
            message: NOT_UTF8,
        },
        Case {
            name: "deeply nested JSON",
            content_type: json,
            body: insert_after_brace(valid, deep.as_bytes()),
            status: 400,
            message: TOO_DEEP,
        },
        Case {
            name: "repeated field",
            content_type: json,
            body: insert_after_brace(valid, route.repeated_field().as_bytes()),
            status: 400,
            message: REPEATED,
        },
        Case {
            name: "empty body",
            content_type: json,
            body: Vec::new(),
            status: 400,
            message: route.shape_message(),
        },
        Case {
            name: "text after the object",
            content_type: json,
            body: format!("{valid} {{}}").into_bytes(),
            status: 400,
            message: NOT_JSON,
        },
    ]
}

/// Rows that a rejected request must leave unchanged.
fn stored_rows(server: &TestServer) -> [i64; 4] {
    [
        server.count("SELECT COUNT(*) FROM secrets"),
        server.count("SELECT COUNT(*) FROM activity_events"),
        server.count("SELECT COUNT(*) FROM tasks"),
        server.count("SELECT COUNT(*) FROM credentials"),
    ]
}

/// Starts a server whose company `acme` has the secret `EXISTING`, and
/// returns it with an API token of the member `owner`.
async fn server_with_secret(timeouts: Timeouts) -> (TestServer, String) {
    captured_log();
    let server = TestServer::start_with_timeouts(timeouts).await;
    let token = server.api_token("acme", "owner");
    server.create_ok(&token, "acme", "EXISTING", "v").await;
    (server, token)
}

#[tokio::test]
async fn bad_json_bodies_rejected() {
    let (server, token) = server_with_secret(Timeouts::default()).await;
    let before = stored_rows(&server);

    for route in Route::ALL {
        let valid = route.valid_body(&server, &token).await;
        for case in cases(route, &valid) {
            let label = format!("{route:?}, {}", case.name);
            let method = route.method().parse().expect("method");
            let mut request = server
                .client
                .request(method, server.url(route.path()))
                .bearer_auth(&token)
                .body(case.body);
            if let Some(content_type) = case.content_type {
                request = request.header("content-type", content_type);
            }
            let response = request.send().await.expect("sent");

            assert_eq!(response.status(), case.status, "{label}");
            let text = response.text().await.expect("body");
            assert!(!text.contains(CANARY), "{label}: {text}");
            let body: Value = serde_json::from_str(&text).expect("JSON error body");
            assert_eq!(body["code"], "invalid_body", "{label}");
            assert_eq!(body["message"], case.message, "{label}");
            assert_eq!(stored_rows(&server), before, "{label}");
        }
    }

    assert_log_has_no_canary();
}

#[tokio::test]
async fn body_over_limit_rejected_on_every_route() {
    let (server, token) = server_with_secret(Timeouts::default()).await;
    let before = stored_rows(&server);

    for route in Route::ALL {
        let head = |length: &str| {
            format!(
                "{} {} HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {token}\r\n\
                 Content-Type: application/json\r\n{length}\r\n",
                route.method(),
                route.path()
            )
        };
        let message = route.too_large_message();

        // Declared too large: rejected from the headers alone.
        let declared = head(&format!("Content-Length: {}\r\n", route.max_bytes() + 1));
        let (status, response) = raw_request(server.addr, &[declared.as_bytes()]).await;
        assert_eq!(status, 413, "{route:?}: {response}");
        assert!(response.contains(message), "{route:?}: {response}");

        // Streamed past the limit without a length: rejected while reading.
        let streamed = head("Transfer-Encoding: chunked\r\n");
        let mut filler = CANARY.repeat(0x4000 / CANARY.len() + 1);
        filler.truncate(0x4000);
        let chunk = format!("4000\r\n{filler}\r\n");
        let mut parts: Vec<&[u8]> = vec![streamed.as_bytes(), b"1\r\n{\r\n"];
        parts.extend(std::iter::repeat_n(
            chunk.as_bytes(),
            route.max_bytes() / 0x4000 + 1,
        ));
        let (status, response) = raw_request(server.addr, &parts).await;
        assert_eq!(status, 413, "{route:?}: {response}");
        assert!(response.contains(message), "{route:?}: {response}");
        assert!(!response.contains(CANARY), "{route:?}: {response}");
        assert_eq!(stored_rows(&server), before, "{route:?}");
    }

    assert_log_has_no_canary();
}

#[tokio::test]
async fn stalled_body_rejected_on_every_route() {
    let timeouts = Timeouts {
        body_read: Duration::from_secs(1),
        ..Timeouts::default()
    };
    let (server, token) = server_with_secret(timeouts).await;
    let before = stored_rows(&server);

    for route in Route::ALL {
        let valid = route.valid_body(&server, &token).await;
        let head = format!(
            "{} {} HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            route.method(),
            route.path(),
            valid.len()
        );
        let (first_half, _) = valid.as_bytes().split_at(valid.len() - 2);

        let (status, response) = raw_request(server.addr, &[head.as_bytes(), first_half]).await;

        assert_eq!(status, 408, "{route:?}: {response}");
        assert!(
            response.contains("The request body arrived too slowly; send it again."),
            "{route:?}: {response}"
        );
        assert!(!response.contains(CANARY), "{route:?}: {response}");
        assert_eq!(stored_rows(&server), before, "{route:?}");
    }

    assert_log_has_no_canary();
}

/// A bad sign-in form: its name, content type, body, and the expected
/// status and a text that the response page contains.
type FormCase = (
    &'static str,
    Option<&'static str>,
    Vec<u8>,
    u16,
    &'static str,
);

#[tokio::test]
async fn bad_login_forms_rejected() {
    let (server, _) = server_with_secret(Timeouts::default()).await;
    let member = server.member("acme", "owner");
    let company = secrets_core::CompanyId::parse("acme").expect("company");
    let link_token = server
        .store()
        .issue_login_link(&member, &company)
        .expect("login link")
        .expose()
        .to_owned();
    let before = stored_rows(&server);
    let form = "application/x-www-form-urlencoded";
    let repeated = format!("token={link_token}&token={CANARY}");
    let invalid_utf8 = [b"token=".as_slice(), link_token.as_bytes(), b"\xFF"].concat();
    let cases: [FormCase; 5] = [
        (
            "JSON content type",
            Some("application/json"),
            format!(r#"{{"token":"{link_token}"}}"#).into_bytes(),
            415,
            "Content-Type: application/x-www-form-urlencoded",
        ),
        (
            "no content type",
            None,
            format!("token={link_token}").into_bytes(),
            415,
            "Content-Type: application/x-www-form-urlencoded",
        ),
        (
            "repeated token field",
            Some(form),
            repeated.into_bytes(),
            401,
            "login link is invalid",
        ),
        (
            "invalid UTF-8",
            Some(form),
            invalid_utf8,
            401,
            "login link is invalid",
        ),
        (
            "over the limit",
            Some(form),
            format!("token={}", CANARY.repeat(MAX_BODY_BYTES / CANARY.len())).into_bytes(),
            413,
            "larger than the limit of 256 KiB",
        ),
    ];

    for (name, content_type, body, status, message) in cases {
        let mut request = server
            .client
            .post(server.url("/login"))
            .header("sec-fetch-site", "same-origin")
            .body(body);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let response = request.send().await.expect("sent");

        assert_eq!(response.status(), status, "{name}");
        let text = response.text().await.expect("body");
        assert!(text.contains(message), "{name}: {text}");
        assert!(!text.contains(CANARY), "{name}: {text}");
        assert!(!text.contains(&link_token), "{name}: {text}");
        assert_eq!(stored_rows(&server), before, "{name}");
    }

    // None of the bad forms used up the login link.
    let unused =
        server.count("SELECT COUNT(*) FROM credentials WHERE kind = 'login' AND used_at IS NULL");
    assert_eq!(unused, 1);
    assert_log_has_no_canary();
}

/// Task start, task finish and logout document no body, and the client
/// sends `{}` to a task start, so these routes ignore any body: they act as
/// without one, and the body reaches neither the response nor the log.
#[tokio::test]
async fn bodiless_routes_ignore_bad_body() {
    let (server, _) = server_with_secret(Timeouts::default()).await;
    let runner = server.runner_token("acme", "agents");
    let session = server.token("acme", "owner", CredentialKind::Session);
    let bad_body = || {
        let mut body = CANARY
            .repeat(MAX_BODY_BYTES / CANARY.len() + 1)
            .into_bytes();
        body.extend_from_slice(b"\xFF{{{{");
        body
    };

    let response = server
        .client
        .post(server.url("/api/v1/companies/acme/tasks"))
        .bearer_auth(&runner)
        .header("content-type", "text/plain")
        .body(bad_body())
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 201);
    let text = response.text().await.expect("body");
    assert!(!text.contains(CANARY), "{text}");
    let task: Value = serde_json::from_str(&text).expect("JSON task");
    let task_id = task["task_id"].as_str().expect("task id");
    let task_token = task["task_token"].as_str().expect("task token");
    assert_eq!(server.count("SELECT COUNT(*) FROM tasks"), 1);

    let response = server
        .client
        .post(server.url(&format!("/api/v1/tasks/{task_id}/finish")))
        .bearer_auth(task_token)
        .header("content-type", "application/json")
        .body(bad_body())
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 204);
    let finished = server.count("SELECT COUNT(*) FROM tasks WHERE finished_at IS NOT NULL");
    assert_eq!(finished, 1);

    let response = server
        .client
        .delete(server.url("/api/v1/session"))
        .header("cookie", format!("{SESSION_COOKIE}={session}"))
        .header("sec-fetch-site", "same-origin")
        .header("content-type", "application/json")
        .body(bad_body())
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 204);
    let sessions = server.count("SELECT COUNT(*) FROM credentials WHERE kind = 'session'");
    assert_eq!(sessions, 0);

    assert_eq!(server.count("SELECT COUNT(*) FROM secrets"), 1);
    assert_log_has_no_canary();
}
