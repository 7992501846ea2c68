//! The secrets endpoints: list, create, delete and their error responses.

mod common;

use common::{assert_error, seal_bytes, sealed_request, TestServer};
use secrets_core::{limit_reached_message, CompanyId, SecretKey, DUPLICATE_KEY_MESSAGE};
use serde_json::{json, Value};

const INVALID_KEY_MESSAGE: &str = "Use A-Z, 0-9, and underscores. Must start with a letter.";

fn company(id: &str) -> CompanyId {
    CompanyId::parse(id).expect("valid company")
}

fn key(text: &str) -> SecretKey {
    SecretKey::parse(text).expect("valid key")
}

#[tokio::test]
async fn list_new_company_empty() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");

    let response = server
        .client
        .get(server.secrets_url("acme"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent");

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body, json!({ "secrets": [], "limit": 50 }));
}

#[tokio::test]
async fn create_returns_metadata_without_location() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    let mut request = server
        .sealed_request(&token, "acme", "STRIPE_API_KEY", "sk_live_1")
        .await;
    request["description"] = json!("For payments");

    let response = server.create(&token, "acme", &request).await;

    assert_eq!(response.status(), 201);
    // No route returns one secret, so a Location would point at a 405.
    assert!(response.headers().get("location").is_none());
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["key"], "STRIPE_API_KEY");
    assert_eq!(body["description"], "For payments");
    assert_eq!(body["created_by"], "owner");
    assert!(
        body["created_at"]
            .as_str()
            .expect("created_at")
            .ends_with('Z'),
        "{body}"
    );
    assert!(body.get("value").is_none(), "{body}");
    assert!(body.get("sealed_value").is_none(), "{body}");
    assert_eq!(body["last_used_at"], Value::Null, "{body}");
    assert!(!body.to_string().contains("sk_live_1"));
}

#[tokio::test]
async fn list_sorted_by_key_without_values() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    for name in ["ZETA", "ALPHA", "MIDDLE"] {
        server
            .create_ok(&token, "acme", name, "value-of-list-test")
            .await;
    }

    assert_eq!(
        server.keys(&token, "acme").await,
        ["ALPHA", "MIDDLE", "ZETA"]
    );
    let text = server
        .client
        .get(server.secrets_url("acme"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent");
    assert!(!text
        .text()
        .await
        .expect("text")
        .contains("value-of-list-test"));
}

#[tokio::test]
async fn create_records_added_event() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    server.create_ok(&token, "acme", "API_KEY", "v").await;

    let (action, event_key, member_name): (String, String, String) = server
        .database()
        .query_row(
            "SELECT action, key, member_name FROM activity_events",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .expect("one event");
    assert_eq!(
        (action.as_str(), event_key.as_str(), member_name.as_str()),
        ("added", "API_KEY", "owner")
    );
}

#[tokio::test]
async fn create_invalid_key_not_folded() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    let sealing_key = server.sealing_key(&token, "acme").await;
    let with_key = |key: &str| sealed_request(&sealing_key, key, "v");

    for invalid in ["api_key", "my-key", "api key", "1STKEY"] {
        let response = server.create(&token, "acme", &with_key(invalid)).await;
        assert_error(response, 422, "invalid_key", INVALID_KEY_MESSAGE).await;
    }
    let too_long = format!("A{}", "B".repeat(64));
    let response = server.create(&token, "acme", &with_key(&too_long)).await;
    assert_error(
        response,
        422,
        "invalid_key",
        "Keys can be at most 64 characters long. This one has 65.",
    )
    .await;
    let response = server.create(&token, "acme", &with_key("")).await;
    assert_error(response, 422, "invalid_key", "Enter a key.").await;
    for reserved in ["PATH", "BASH_ENV", "LD_PRELOAD", "SECRETS_TASK_TOKEN"] {
        let response = server.create(&token, "acme", &with_key(reserved)).await;
        assert_error(
            response,
            422,
            "invalid_key",
            &secrets_core::KeyError::Reserved.to_string(),
        )
        .await;
    }

    assert!(server.keys(&token, "acme").await.is_empty());
}

#[tokio::test]
async fn create_key_confusing_character_named() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    let sealing_key = server.sealing_key(&token, "acme").await;
    let with_key = |key: &str| sealed_request(&sealing_key, key, "v");

    let cases = [
        (
            "\u{410}PI_KEY",
            "The key contains \u{410} (U+0410 CYRILLIC CAPITAL LETTER A) at position 1, which looks like the Latin letter A. Type it with the Latin letter.",
        ),
        (
            "API\u{200B}KEY",
            "The key contains an invisible character (U+200B ZERO WIDTH SPACE) at position 4. Delete it and type the key again.",
        ),
        (
            "KEY\u{0}",
            "The key contains an invisible character (U+0000 NULL) at position 4. Delete it and type the key again.",
        ),
    ];
    for (invalid, message) in cases {
        // The message comes from the shared rules, which the form uses too.
        let expected = SecretKey::parse_new(invalid).expect_err("invalid key");
        assert_eq!(expected.to_string(), message);

        let response = server.create(&token, "acme", &with_key(invalid)).await;
        assert_error(response, 422, "invalid_key", message).await;
    }

    assert!(server.keys(&token, "acme").await.is_empty());
}

#[tokio::test]
async fn create_invalid_value_and_description() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    let public_key = server.public_key(&token, "acme").await;
    let sealing_key = server.sealing_key(&token, "acme").await;

    let empty = json!({
        "key": "A",
        "sealed_value": seal_bytes(&public_key, b""),
        "key_id": public_key.key_id,
    });
    let response = server.create(&token, "acme", &empty).await;
    assert_error(response, 422, "invalid_value", "Enter a value.").await;

    let mut request = sealed_request(&sealing_key, "A", "v");
    request["description"] = json!("d".repeat(201));
    let response = server.create(&token, "acme", &request).await;
    let message = "Descriptions can be at most 200 characters long. This one has 201.";
    assert_error(response, 422, "invalid_description", message).await;

    request["description"] = json!("a\nb");
    let response = server.create(&token, "acme", &request).await;
    let message = "Descriptions are one line of text. Remove line breaks and control characters.";
    assert_error(response, 422, "invalid_description", message).await;
}

#[tokio::test]
async fn create_value_size_boundary() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    let too_large = "Values can be at most 32,768 bytes (32 KB). This one has 32,769 bytes.";

    // "é" is two bytes and "€" three, so the boundary falls on multibyte
    // characters as well as on ASCII.
    let accepted = [
        ("ASCII_MAX", "a".repeat(32_768)),
        ("TWO_BYTE_MAX", format!("{}é", "a".repeat(32_766))),
        ("THREE_BYTE_MAX", format!("{}€", "a".repeat(32_765))),
        ("CONTROL_MAX", "\u{1}".repeat(32_768)),
    ];
    for (name, value) in &accepted {
        assert_eq!(value.len(), 32_768);
        server.create_ok(&token, "acme", name, value).await;
        let opened = server
            .store()
            .open_value(&company("acme"), &key(name))
            .expect("open value");
        assert_eq!(opened.expose(), value);
    }

    let rejected = [
        "a".repeat(32_769),
        format!("{}é", "a".repeat(32_767)),
        format!("{}€", "a".repeat(32_766)),
    ];
    // A client checks the limit before it seals, so these boxes are made
    // by hand: the server checks the length of the sealed box.
    let public_key = server.public_key(&token, "acme").await;
    for value in rejected {
        assert_eq!(value.len(), 32_769);
        let request = json!({
            "key": "OVER",
            "sealed_value": seal_bytes(&public_key, value.as_bytes()),
            "key_id": public_key.key_id,
        });
        let response = server.create(&token, "acme", &request).await;
        assert_error(response, 422, "invalid_value", too_large).await;
    }
}

#[tokio::test]
async fn create_value_kept_byte_for_byte() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    let pem = "-----BEGIN PRIVATE KEY-----\nMIIBVAIBADANBgkqhkiG9w0BAQEFAASCAT4wggE6AgEAAkEA\n-----END PRIVATE KEY-----";
    let cases = [
        ("TRAILING_NEWLINE", "token-with-newline\n"),
        ("PEM", pem),
        ("SPACES", "  padded  "),
        ("CRLF", "a\r\nb\r\n"),
        ("UNICODE", "Grüße 日本語 🔑"),
    ];
    for (name, value) in cases {
        server.create_ok(&token, "acme", name, value).await;
        let opened = server
            .store()
            .open_value(&company("acme"), &key(name))
            .expect("open value");
        assert_eq!(opened.expose().as_bytes(), value.as_bytes(), "{name}");
    }
}

#[tokio::test]
async fn create_duplicate_key_conflict() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    server.create_ok(&token, "acme", "API_KEY", "first").await;

    let request = server
        .sealed_request(&token, "acme", "API_KEY", "second")
        .await;
    let response = server.create(&token, "acme", &request).await;

    assert_error(response, 409, "duplicate_key", DUPLICATE_KEY_MESSAGE).await;
    let opened = server
        .store()
        .open_value(&company("acme"), &key("API_KEY"))
        .expect("open value");
    assert_eq!(opened.expose(), "first");
}

#[tokio::test]
async fn create_same_key_in_two_companies() {
    let server = TestServer::start().await;
    let acme = server.api_token("acme", "owner");
    let beta = server.api_token("beta", "owner");

    server
        .create_ok(&acme, "acme", "API_KEY", "acme value")
        .await;
    server
        .create_ok(&beta, "beta", "API_KEY", "beta value")
        .await;

    let opened = server
        .store()
        .open_value(&company("beta"), &key("API_KEY"))
        .expect("open value");
    assert_eq!(opened.expose(), "beta value");
}

#[tokio::test]
async fn create_at_limit_conflict() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    for index in 0..50 {
        server
            .create_ok(&token, "acme", &format!("KEY_{index}"), "v")
            .await;
    }

    let request = server.sealed_request(&token, "acme", "ONE_MORE", "v").await;
    let response = server.create(&token, "acme", &request).await;

    assert_error(response, 409, "limit_reached", &limit_reached_message()).await;
    assert_eq!(server.keys(&token, "acme").await.len(), 50);
}

#[tokio::test]
async fn delete_removes_and_records_event() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    server.create_ok(&token, "acme", "API_KEY", "v").await;

    let url = server.url("/api/v1/companies/acme/secrets/API_KEY");
    let response = server
        .client
        .delete(&url)
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent");

    assert_eq!(response.status(), 204);
    assert!(server.keys(&token, "acme").await.is_empty());
    let removed = server
        .count("SELECT COUNT(*) FROM activity_events WHERE action = 'removed' AND key = 'API_KEY'");
    assert_eq!(removed, 1);

    // The key can be added again with a new value.
    server.create_ok(&token, "acme", "API_KEY", "new").await;
}

#[tokio::test]
async fn delete_unknown_key_not_found() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");

    for path_key in ["MISSING", "api_key"] {
        let url = server.url(&format!("/api/v1/companies/acme/secrets/{path_key}"));
        let response = server
            .client
            .delete(&url)
            .bearer_auth(&token)
            .send()
            .await
            .expect("sent");
        assert_error(
            response,
            404,
            "not_found",
            "No secret with this key was found.",
        )
        .await;
    }
    assert_eq!(server.count("SELECT COUNT(*) FROM activity_events"), 0);
}
