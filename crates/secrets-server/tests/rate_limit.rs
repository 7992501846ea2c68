//! The per-member write rate limit: it triggers with 429 and
//! `Retry-After`, recovers after the wait, spares reads and other members.

mod common;

use std::time::Duration;

use common::TestServer;
use secrets_server::WriteRateLimit;
use serde_json::{json, Value};

const RATE_LIMITED: &str = "Too many changes in a short time. Try again in 1 second.";

#[tokio::test]
async fn rate_limit_triggers_and_recovers() {
    // Three changes at once, then one per second.
    let server = TestServer::start_with_write_rate_limit(WriteRateLimit {
        burst: 3,
        per_minute: 60,
    })
    .await;
    let token = server.api_token("acme", "owner");
    for key in ["A", "B", "C"] {
        server.create_ok(&token, "acme", key, "v").await;
    }

    // The fourth change is limited and stores nothing.
    let limited = server
        .create(&token, "acme", &json!({ "key": "D", "value": "v" }))
        .await;
    assert_eq!(limited.status(), 429);
    let retry_after = limited.headers()["retry-after"]
        .to_str()
        .expect("text")
        .to_owned();
    assert_eq!(retry_after, "1");
    let body: Value = limited.json().await.expect("JSON");
    assert_eq!(body["code"], "rate_limited");
    assert_eq!(body["message"], RATE_LIMITED);
    assert_eq!(
        server.count("SELECT COUNT(*) FROM secrets WHERE key = 'D'"),
        0
    );

    // Deletes and description updates count as changes too.
    let delete = server
        .client
        .delete(server.url("/api/v1/companies/acme/secrets/A"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent");
    assert_eq!(delete.status(), 429);
    let patch = server
        .client
        .patch(server.url("/api/v1/companies/acme/secrets/A"))
        .bearer_auth(&token)
        .json(&json!({ "description": "x" }))
        .send()
        .await
        .expect("sent");
    assert_eq!(patch.status(), 429);

    // Reads are not limited.
    for _ in 0..20 {
        assert_eq!(server.keys(&token, "acme").await, ["A", "B", "C"]);
    }

    // After the announced wait, the next change goes through.
    tokio::time::sleep(Duration::from_secs(retry_after.parse().expect("seconds"))).await;
    server.create_ok(&token, "acme", "D", "v").await;
}

#[tokio::test]
async fn rate_limit_is_per_member() {
    let server = TestServer::start_with_write_rate_limit(WriteRateLimit {
        burst: 1,
        per_minute: 1,
    })
    .await;
    let first = server.api_token("acme", "first");
    let second = server.api_token("acme", "second");
    server.create_ok(&first, "acme", "A", "v").await;
    let limited = server
        .create(&first, "acme", &json!({ "key": "B", "value": "v" }))
        .await;
    assert_eq!(limited.status(), 429);
    assert_eq!(limited.headers()["retry-after"], "60");
    let body: Value = limited.json().await.expect("JSON");
    assert_eq!(
        body["message"],
        "Too many changes in a short time. Try again in 60 seconds."
    );

    server.create_ok(&second, "acme", "B", "v").await;
}

#[tokio::test]
async fn rate_limit_shared_by_member_credentials() {
    let server = TestServer::start_with_write_rate_limit(WriteRateLimit {
        burst: 1,
        per_minute: 1,
    })
    .await;
    let token = server.api_token("acme", "owner");
    let other_token = server.api_token("acme", "owner");
    server.create_ok(&token, "acme", "A", "v").await;
    let limited = server
        .create(&other_token, "acme", &json!({ "key": "B", "value": "v" }))
        .await;
    assert_eq!(
        limited.status(),
        429,
        "a second token of the member shares its limit"
    );
}
