//! Slow and idle clients: the header read, body read and request time
//! limits close their connections or respond with an error, instead of
//! keeping the connections open.

mod common;

use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{open_store, postgres_url, raw_request, test_master_key, TestServer};
use secrets_server::store::{ConglomerateId, DATABASE_FILE};
use secrets_server::Timeouts;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Time limits short enough for tests, with one second for the limit under
/// test and a minute for the others.
fn one_second_for(limit: &str) -> Timeouts {
    let minute = Duration::from_secs(60);
    let second = Duration::from_secs(1);
    let pick = |name: &str| if name == limit { second } else { minute };
    Timeouts {
        header_read: pick("header_read"),
        body_read: pick("body_read"),
        request: pick("request"),
        shutdown: minute,
    }
}

/// Sends `bytes` on a new connection and returns how long the server took
/// to close it, reading and discarding whatever it sent.
async fn time_until_closed(server: &TestServer, bytes: &[u8]) -> Duration {
    let mut stream = tokio::net::TcpStream::connect(server.addr)
        .await
        .expect("connect");
    stream.write_all(bytes).await.expect("write");
    let started = Instant::now();
    let mut discarded = Vec::new();
    let closed =
        tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut discarded)).await;
    assert!(closed.is_ok(), "the connection stayed open for 10 s");
    started.elapsed()
}

#[tokio::test]
async fn header_read_partial_headers_closed() {
    let server = TestServer::start_with_timeouts(one_second_for("header_read")).await;

    let open_for = time_until_closed(
        &server,
        b"GET /api/v1/companies/acme/secrets HTTP/1.1\r\nHost: te",
    )
    .await;

    assert!(open_for < Duration::from_secs(3), "{open_for:?}");
}

#[tokio::test]
async fn header_read_idle_connection_closed() {
    let server = TestServer::start_with_timeouts(one_second_for("header_read")).await;

    let open_for = time_until_closed(&server, b"").await;

    assert!(open_for < Duration::from_secs(3), "{open_for:?}");
}

#[tokio::test]
async fn header_read_idle_after_response_closed() {
    let server = TestServer::start_with_timeouts(one_second_for("header_read")).await;

    // A complete request keeps the connection alive; waiting for the next
    // one is limited too.
    let open_for =
        time_until_closed(&server, b"GET /api/v1/nope HTTP/1.1\r\nHost: test\r\n\r\n").await;

    assert!(open_for < Duration::from_secs(3), "{open_for:?}");
}

#[tokio::test]
async fn body_read_stalled_body_408() {
    let server = TestServer::start_with_timeouts(one_second_for("body_read")).await;
    let token = server.api_token("acme", "owner");
    let head = format!(
        "POST /api/v1/companies/acme/secrets HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    );

    let started = Instant::now();
    let (status, response) = raw_request(server.addr, &[head.as_bytes(), br#"{"key":"#]).await;

    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(status, 408, "{response}");
    assert!(response.contains(r#""code":"invalid_body""#), "{response}");
    assert!(
        response.contains("The request body arrived too slowly; send it again."),
        "{response}"
    );
    assert!(
        response.to_lowercase().contains("connection: close"),
        "{response}"
    );
    assert_eq!(server.count("SELECT COUNT(*) FROM secrets"), 0);
}

#[tokio::test]
async fn body_read_stalled_login_form_408() {
    let server = TestServer::start_with_timeouts(one_second_for("body_read")).await;
    let head = "POST /login HTTP/1.1\r\nHost: test\r\n\
                Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 70\r\n\r\ntoken=";

    let (status, response) = raw_request(server.addr, &[head.as_bytes()]).await;

    assert_eq!(status, 408, "{response}");
    assert!(response.contains(r#""code":"invalid_body""#), "{response}");
}

#[tokio::test]
async fn request_time_limit_503() {
    let server = TestServer::start_with_timeouts(one_second_for("request")).await;
    let token = server.api_token("acme", "owner");

    let request = server.sealed_request(&token, "acme", "SLOW", "v").await;

    // Another connection holds the write lock, so the create waits for it.
    let blocker = server.database();
    blocker
        .execute_batch("BEGIN IMMEDIATE")
        .expect("take the write lock");
    let started = Instant::now();
    let response = server.create(&token, "acme", &request).await;
    let waited = started.elapsed();
    blocker
        .execute_batch("ROLLBACK")
        .expect("release the write lock");

    assert!(waited < Duration::from_secs(5), "{waited:?}");
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["x-frame-options"], "DENY");
    let body: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(body["code"], "internal", "{body}");
    assert_eq!(
        body["message"],
        "The server did not finish the request in time. Try again; if it keeps failing, check the server log.",
        "{body}"
    );
}

/// A connection outside the store that holds the store's write lock until
/// it is dropped.
enum WriteLockHolder {
    Sqlite { _connection: rusqlite::Connection },
    Postgres { _client: postgres::Client },
}

impl WriteLockHolder {
    /// Takes the write lock of the store in `data_dir` as the store's own
    /// write transactions take it.
    fn take(data_dir: &Path) -> Self {
        match postgres_url(data_dir) {
            Some(url) => {
                let mut client = postgres::Client::connect(&url, postgres::NoTls)
                    .expect("connect to PostgreSQL");
                client
                    .batch_execute("BEGIN; SELECT id FROM write_lock FOR UPDATE")
                    .expect("take the write lock");
                Self::Postgres { _client: client }
            }
            None => {
                let connection = rusqlite::Connection::open(data_dir.join(DATABASE_FILE))
                    .expect("open database");
                connection
                    .execute_batch("BEGIN IMMEDIATE")
                    .expect("take the write lock");
                Self::Sqlite {
                    _connection: connection,
                }
            }
        }
    }
}

/// A write waits at most the store's lock timeout of 10 seconds for a
/// writer in another process, on SQLite and on PostgreSQL, and then fails.
#[test]
fn write_lock_wait_times_out() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = open_store(dir.path(), test_master_key());
    let holder = WriteLockHolder::take(dir.path());

    let (sender, receiver) = mpsc::channel();
    let started = Instant::now();
    std::thread::spawn(move || {
        let conglomerate = ConglomerateId::parse("blocked").expect("valid ID");
        let result = store.create_conglomerate(&conglomerate);
        let _ = sender.send(result.map_err(|error| error.to_string()));
    });
    let outcome = receiver.recv_timeout(Duration::from_secs(30));
    let waited = started.elapsed();
    drop(holder);

    let Ok(result) = outcome else {
        panic!("the write still waited for the lock after {waited:?}");
    };
    assert!(
        result.is_err(),
        "the write succeeded while the lock was held"
    );
    assert!(waited >= Duration::from_secs(9), "{waited:?}");
}
