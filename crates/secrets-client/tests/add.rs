//! `secrets add` and `secrets catalog` outside a task, against the real
//! server, and the retry after a stale public key against a scripted one.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use common::{run, run_with_stdin, Server, COMPANY};

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
    assert!(stderr.contains("HTTP 401"), "{stderr}");
}

#[test]
fn catalog_without_token_is_usage_error() {
    let server = Server::start();
    let output = run(server.client(&["catalog"]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("SECRETS_TOKEN is not set."), "{stderr}");
}

/// One request that the scripted server received.
#[derive(Debug, Clone)]
struct Received {
    request_line: String,
    body: String,
}

/// Serves `responses` in order, one per connection, and records each
/// request.
fn scripted_server(responses: Vec<(u16, String)>) -> (String, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let base_url = format!("http://{}", listener.local_addr().expect("address"));
    let received = Arc::new(Mutex::new(Vec::new()));
    let recorder = Arc::clone(&received);
    std::thread::spawn(move || {
        for (status, body) in responses {
            let (stream, _) = listener.accept().expect("accept");
            let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
            let mut request_line = String::new();
            reader.read_line(&mut request_line).expect("request line");
            let mut length = 0;
            loop {
                let mut header = String::new();
                reader.read_line(&mut header).expect("header");
                if header == "\r\n" {
                    break;
                }
                if let Some(value) = header.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().expect("length");
                }
            }
            let mut request_body = vec![0; length];
            reader.read_exact(&mut request_body).expect("body");
            recorder.lock().expect("lock").push(Received {
                request_line: request_line.trim().to_owned(),
                body: String::from_utf8(request_body).expect("UTF-8 body"),
            });
            let response = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let mut stream = stream;
            stream.write_all(response.as_bytes()).expect("respond");
        }
    });
    (base_url, received)
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
        (200, public_key_body("old-key")),
        (409, stale.to_string()),
        (200, public_key_body("new-key")),
        (201, "{}".to_owned()),
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
        (200, public_key_body("k1")),
        (409, stale.to_string()),
        (200, public_key_body("k2")),
        (409, stale.to_string()),
    ]);
    let output = add_with_server(&base_url, "API_KEY", b"value");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("HTTP 409"), "{stderr}");
    assert_eq!(received.lock().expect("lock").len(), 4);
}
