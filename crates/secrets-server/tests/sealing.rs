//! Values sealed in the client: the public key endpoint, and create
//! requests that carry a sealed value, a plaintext value, a stale key id or
//! a sealed box of the wrong size. The server stores a sealed box as it
//! arrives and never opens it while it handles a create request.

mod common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use common::{assert_error, database_files_contain, seal, seal_bytes, sealed_request, TestServer};
use secrets_core::api::{PLAINTEXT_VALUE_MESSAGE, STALE_PUBLIC_KEY_MESSAGE};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const CANARY: &str = "CANARY-sealing-3b9e41";

const NOT_SEALED: &str = "The value is not a sealed box in base64. Seal it with the company's public key, as the REST API documentation describes.";

/// Returns how many secrets and activity events the database holds.
fn stored_rows(server: &TestServer) -> (i64, i64) {
    (
        server.count("SELECT COUNT(*) FROM secrets"),
        server.count("SELECT COUNT(*) FROM activity_events"),
    )
}

#[tokio::test]
async fn public_key_names_itself_by_hash() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");

    let response = server
        .client
        .get(server.url("/api/v1/companies/acme/public-key"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent");

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.expect("JSON");
    let public_key = STANDARD
        .decode(body["public_key"].as_str().expect("public_key"))
        .expect("base64");
    assert_eq!(public_key.len(), 32);
    let expected_id = &hex::encode(Sha256::digest(&public_key))[..16];
    assert_eq!(body["key_id"], expected_id, "{body}");
    assert_eq!(
        server.public_key(&token, "acme").await.key_id,
        expected_id,
        "the key pair does not change"
    );
}

#[tokio::test]
async fn create_stores_sealed_box_as_sent() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    let request = server
        .sealed_request(&token, "acme", "API_KEY", CANARY)
        .await;
    assert!(!request.to_string().contains(CANARY), "{request}");

    let response = server.create(&token, "acme", &request).await;

    assert_eq!(response.status(), 201);
    let (sealed, key_id): (Vec<u8>, String) = server
        .database()
        .query_row("SELECT sealed_value, key_id FROM secrets", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .expect("row");
    let sent = STANDARD
        .decode(request["sealed_value"].as_str().expect("sealed_value"))
        .expect("base64");
    assert_eq!(sealed, sent);
    assert_eq!(key_id, request["key_id"]);
    let data_dir = server.dir.path().join("data");
    assert!(!database_files_contain(&data_dir, CANARY.as_bytes()));
}

#[tokio::test]
async fn create_never_opens_sealed_box() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    let public_key = server.public_key(&token, "acme").await;

    // Random bytes of a valid length: only opening them would show that
    // they are no sealed box, and a create request does not open values.
    let random = json!({
        "key": "RANDOM",
        "sealed_value": STANDARD.encode([7_u8; 100]),
        "key_id": public_key.key_id,
    });
    let response = server.create(&token, "acme", &random).await;

    assert_eq!(response.status(), 201);
    assert_eq!(server.keys(&token, "acme").await, ["RANDOM"]);
}

#[tokio::test]
async fn plaintext_value_rejected() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    let sealing_key = server.sealing_key(&token, "acme").await;
    let sealed = seal(&sealing_key, "sealed");

    let bodies = [
        json!({ "key": "API_KEY", "value": CANARY }),
        json!({ "key": "API_KEY", "value": CANARY, "description": "d" }),
        json!({ "key": "API_KEY", "value": null }),
        json!({ "key": "API_KEY", "value": 7 }),
        json!({ "key": "API_KEY", "value": { "nested": [CANARY] } }),
        json!({ "value": CANARY }),
        json!({ "key": "bad-key", "value": CANARY }),
        json!({
            "key": "API_KEY",
            "sealed_value": sealed,
            "key_id": sealing_key.key_id(),
            "value": CANARY,
        }),
    ];
    for body in bodies {
        let response = server.create(&token, "acme", &body).await;
        assert_eq!(response.status(), 422, "{body}");
        let text = response.text().await.expect("body");
        assert!(!text.contains(CANARY), "{text}");
        let error: Value = serde_json::from_str(&text).expect("JSON error");
        assert_eq!(error["code"], "plaintext_value", "{body}");
        assert_eq!(error["message"], PLAINTEXT_VALUE_MESSAGE, "{body}");
    }

    assert_eq!(stored_rows(&server), (0, 0));
    let data_dir = server.dir.path().join("data");
    assert!(!database_files_contain(&data_dir, CANARY.as_bytes()));
}

#[tokio::test]
async fn stale_key_id_rejected() {
    let server = TestServer::start().await;
    let acme = server.api_token("acme", "owner");
    let beta = server.api_token("beta", "owner");
    let acme_key = server.sealing_key(&acme, "acme").await;
    let beta_key = server.sealing_key(&beta, "beta").await;

    let unknown_key_id = json!({
        "key": "API_KEY",
        "sealed_value": seal(&acme_key, "v"),
        "key_id": "0000000000000000",
    });
    let response = server.create(&acme, "acme", &unknown_key_id).await;
    assert_error(response, 409, "stale_public_key", STALE_PUBLIC_KEY_MESSAGE).await;

    // A value sealed to another company's public key names that key.
    let response = server
        .create(&acme, "acme", &sealed_request(&beta_key, "API_KEY", "v"))
        .await;
    assert_error(response, 409, "stale_public_key", STALE_PUBLIC_KEY_MESSAGE).await;

    assert_eq!(stored_rows(&server), (0, 0));
    let response = server
        .create(&acme, "acme", &sealed_request(&acme_key, "API_KEY", "v"))
        .await;
    assert_eq!(response.status(), 201);
}

#[tokio::test]
async fn sealed_value_size_checked() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    let public_key = server.public_key(&token, "acme").await;
    let request = |key: &str, sealed_value: String| json!({ "key": key, "sealed_value": sealed_value, "key_id": public_key.key_id });
    let too_large = |bytes: &str| {
        format!("Values can be at most 32,768 bytes (32 KB). This one has {bytes} bytes.")
    };

    let cases = [
        (seal_bytes(&public_key, b""), "Enter a value.".to_owned()),
        (STANDARD.encode([1_u8; 47]), NOT_SEALED.to_owned()),
        ("not base64!".to_owned(), NOT_SEALED.to_owned()),
        (String::new(), NOT_SEALED.to_owned()),
        (
            seal_bytes(&public_key, &[b'a'; 32_769]),
            too_large("32,769"),
        ),
        // Far more base64 than any value needs is rejected before decoding.
        ("A".repeat(100_000), too_large("74,952")),
    ];
    for (sealed_value, message) in cases {
        let response = server
            .create(&token, "acme", &request("A", sealed_value))
            .await;
        assert_error(response, 422, "invalid_value", &message).await;
    }
    assert_eq!(stored_rows(&server), (0, 0));

    let largest = seal_bytes(&public_key, &[b'a'; 32_768]);
    let response = server
        .create(&token, "acme", &request("LARGEST", largest))
        .await;
    assert_eq!(response.status(), 201);
}
