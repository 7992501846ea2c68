//! `secrets add` and `secrets catalog` outside a task, against the real
//! server, and the retry after a stale public key against a scripted one.

mod common;
#[path = "../src/test_server.rs"]
#[allow(
    dead_code,
    reason = "the unit tests use parts of the scripted server that these tests do not"
)]
mod test_server;

use std::net::TcpListener;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use common::{run, run_with_stdin, Server, COMPANY};
use test_server::{scripted_server, Reply};

/// Runs `secrets add KEY` against `base_url` with `value` on stdin and a
/// member token that only scripted servers accept.
fn add_with_server(base_url: &str, key: &str, value: &[u8]) -> std::process::Output {
    let mut command = std::process::Command::new(common::client_binary());
    command
        .args(["add", key, "--server", base_url, "--company", COMPANY])
        .env_clear()
        .env("SECRETS_TOKEN", "member-token");
    run_with_stdin(command, value)
}

#[test]
fn add_then_catalog_lists_keys() {
    let server = Server::start();
    server.add("STRIPE_API_KEY", b"sk_live_canary_41", "For payments");
    server.add("DB_URL", b"postgres://canary-42@db/x", "");

    let mut command = server.client(&["catalog"]);
    command.env("SECRETS_TOKEN", &server.member_token);
    let output = run(command);
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert_eq!(
        stdout,
        "KEY             DESCRIPTION\nDB_URL\nSTRIPE_API_KEY  For payments\n"
    );

    let mut command = server.client(&["catalog", "--json"]);
    command.env("SECRETS_TOKEN", &server.member_token);
    let output = run(command);
    let catalog: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(
        catalog,
        serde_json::json!({ "secrets": [
            { "key": "DB_URL", "description": "" },
            { "key": "STRIPE_API_KEY", "description": "For payments" },
        ] })
    );
    assert!(!String::from_utf8_lossy(&output.stdout).contains("canary"));
}

#[test]
fn add_rejects_invalid_values_before_requests() {
    // No request may reach this listener, because every check comes first.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("non-blocking");
    let base_url = format!("http://{}", listener.local_addr().expect("address"));

    let too_large = vec![b'x'; 32_769];
    let cases: [(&str, &[u8], &str); 5] = [
        ("API_KEY", b"", "the value is empty."),
        (
            "API_KEY",
            &too_large,
            "Values can be at most 32,768 bytes (32 KB). This one has 32,769 bytes.",
        ),
        (
            "API_KEY",
            b"canary\0value",
            "contains a NUL byte (at offset 6)",
        ),
        (
            "API_KEY",
            b"canary\xff",
            "not valid UTF-8 (invalid byte at offset 6)",
        ),
        ("api_key", b"canary", "Use A-Z, 0-9, and underscores."),
    ];
    for (key, value, message) in cases {
        let output = add_with_server(&base_url, key, value);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{key} {message}: {stderr}");
        assert!(stderr.contains(message), "{stderr}");
        assert!(!stderr.contains("canary"), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
    let accepted = listener.accept();
    assert!(accepted.is_err(), "a request reached the server");
}

#[test]
fn add_reports_server_rejection() {
    let server = Server::start();
    server.add("API_KEY", b"first", "");

    let mut command = server.client(&["add", "API_KEY"]);
    command.env("SECRETS_TOKEN", &server.member_token);
    let output = run_with_stdin(command, b"second");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("A secret with this key already exists."),
        "{stderr}"
    );

    let mut command = server.client(&["add", "OTHER"]);
    command.env("SECRETS_TOKEN", "not-a-token");
    let output = run_with_stdin(command, b"value");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr, MEMBER_TOKEN_REJECTED);
}

/// The message for a member token that the server does not accept.
const MEMBER_TOKEN_REJECTED: &str = "secrets: the server did not accept the member API token in \
    SECRETS_TOKEN (HTTP 401, code unauthorized). Check that SECRETS_TOKEN contains a member \
    API token from `secrets-server token issue` that has not expired or been revoked.\n";

#[test]
fn catalog_reports_rejected_tokens() {
    let server = Server::start();

    let mut command = server.client(&["catalog"]);
    command.env("SECRETS_TOKEN", "not-a-token");
    let output = run(command);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr, MEMBER_TOKEN_REJECTED);

    // A task token after its task, here one that never existed.
    let mut command = server.client(&["catalog"]);
    command
        .env("SECRETS_TASK_ID", "00ff")
        .env("SECRETS_TASK_TOKEN", "ended-task-token");
    let output = run(command);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr,
        "secrets: the server did not accept the task token in SECRETS_TASK_TOKEN (HTTP 401, \
         code unauthorized). The task has finished or expired, so its token no longer works. \
         Run `secrets catalog` inside a running `secrets run`.\n"
    );
}

#[test]
fn catalog_without_token_is_usage_error() {
    let server = Server::start();
    let output = run(server.client(&["catalog"]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("SECRETS_TOKEN is not set."), "{stderr}");
}

#[test]
fn catalog_reports_closed_stdout() {
    let server = Server::start();
    server.add("API_KEY", b"value", "");

    let mut command = server.client(&["catalog"]);
    command.env("SECRETS_TOKEN", &server.member_token);
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let output = command
        .stdin(std::process::Stdio::null())
        .stdout(writer)
        .output()
        .expect("run secrets catalog");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("secrets: writing to standard output failed: "),
        "{stderr}"
    );
}

fn public_key_body(key_id: &str) -> String {
    let secret_key = crypto_box::SecretKey::generate(&mut crypto_box::aead::OsRng);
    let public_key = STANDARD.encode(secret_key.public_key().as_bytes());
    serde_json::json!({ "key_id": key_id, "public_key": public_key }).to_string()
}

#[test]
fn add_retries_after_stale_public_key() {
    let stale = serde_json::json!({
        "code": "stale_public_key",
        "message": "The company's public key has changed."
    });
    let (base_url, received) = scripted_server(vec![
        Reply::json(200, public_key_body("old-key")),
        Reply::json(409, stale.to_string()),
        Reply::json(200, public_key_body("new-key")),
        Reply::json(201, "{}"),
    ]);

    let output = add_with_server(&base_url, "API_KEY", b"canary-value-9");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");

    let received = received.lock().expect("lock").clone();
    let lines: Vec<&str> = received.iter().map(|r| r.request_line.as_str()).collect();
    assert_eq!(
        lines,
        [
            "GET /api/v1/companies/acme/public-key HTTP/1.1",
            "POST /api/v1/companies/acme/secrets HTTP/1.1",
            "GET /api/v1/companies/acme/public-key HTTP/1.1",
            "POST /api/v1/companies/acme/secrets HTTP/1.1",
        ]
    );
    let first: serde_json::Value = serde_json::from_str(&received[1].body).expect("JSON");
    let second: serde_json::Value = serde_json::from_str(&received[3].body).expect("JSON");
    assert_eq!(first["key_id"], "old-key");
    assert_eq!(second["key_id"], "new-key");
    assert_eq!(second["key"], "API_KEY");
    assert!(second.get("value").is_none(), "{second}");
    for request in &received {
        assert!(!request.body.contains("canary"), "{}", request.body);
    }
}

#[test]
fn add_stops_after_second_stale_key() {
    let stale = serde_json::json!({ "code": "stale_public_key", "message": "Changed." });
    let (base_url, received) = scripted_server(vec![
        Reply::json(200, public_key_body("k1")),
        Reply::json(409, stale.to_string()),
        Reply::json(200, public_key_body("k2")),
        Reply::json(409, stale.to_string()),
    ]);
    let output = add_with_server(&base_url, "API_KEY", b"value");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("HTTP 409"), "{stderr}");
    assert_eq!(received.lock().expect("lock").len(), 4);
}

#[test]
fn add_reports_redirect() {
    // Nothing listens on port 1, so a redirect that was followed fails.
    let location = "http://127.0.0.1:1/api/v1/companies/acme/public-key";
    let (base_url, received) = scripted_server(vec![Reply::redirect(308, location.to_owned())]);
    let output = add_with_server(&base_url, "API_KEY", b"value");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr,
        format!(
            "secrets: the server redirected the request (HTTP 308) to {location}. Pass \
             http://127.0.0.1:1 with --server or SECRETS_SERVER.\n"
        )
    );
    assert_eq!(received.lock().expect("lock").len(), 1);
}
