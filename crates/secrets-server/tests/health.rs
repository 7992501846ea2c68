//! The liveness and readiness checks, over real HTTP against a real
//! SQLite file.

mod common;

use common::{assert_error, TestServer};
use serde_json::{json, Value};

#[tokio::test]
async fn healthz_ok_without_credentials() {
    let server = TestServer::start().await;

    let response = server.get("/healthz").await;

    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["cache-control"].to_str().ok(),
        Some("no-store")
    );
    assert!(response.headers().contains_key("content-security-policy"));
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body, json!({ "status": "ok" }));
}

#[tokio::test]
async fn readyz_ok_with_database() {
    let server = TestServer::start().await;

    let response = server.get("/readyz").await;

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body, json!({ "status": "ready" }));
}

#[tokio::test]
async fn readyz_fails_without_database() {
    let server = TestServer::start().await;
    let database = server
        .store()
        .sqlite_path()
        .expect("a SQLite store")
        .to_owned();
    let moved = database.with_extension("moved");
    std::fs::rename(&database, &moved).expect("move the database away");

    let response = server.get("/readyz").await;

    assert_error(
        response,
        503,
        "not_ready",
        "The server cannot read its database. Check the server's log for the cause.",
    )
    .await;
    assert!(!database.exists(), "the check created an empty database");
    let liveness = server.get("/healthz").await;
    assert_eq!(liveness.status(), 200);

    std::fs::rename(&moved, &database).expect("move the database back");
    let response = server.get("/readyz").await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn health_routes_reject_other_methods() {
    let server = TestServer::start().await;

    for path in ["/healthz", "/readyz"] {
        let response = server
            .client
            .post(server.url(path))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 405, "{path}");
    }
}

/// The log line of a failed readiness check names the database's error,
/// which the 503 response points to.
#[tokio::test]
async fn readyz_failure_log_names_cause() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = dir.path().join("data");
    let (server, base_url) = common::Binary::serve(&data_dir, &dir.path().join("dist"), &[]);
    std::fs::remove_file(data_dir.join("secrets.db")).expect("remove the database");

    let response = reqwest::get(format!("{base_url}/readyz"))
        .await
        .expect("response");
    assert_eq!(response.status(), 503);

    let stderr = server.stderr();
    let line = stderr
        .lines()
        .find(|line| line.contains("readiness check failed"))
        .unwrap_or_else(|| panic!("no readiness log line: {stderr}"));
    assert!(line.contains("unable to open database file"), "{line}");
}
