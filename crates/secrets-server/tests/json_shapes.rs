//! Request bodies that are JSON but not the JSON object that the API
//! documents, such as an array whose items serde would map to the fields
//! in declaration order.

mod common;

use common::{assert_error, TestServer};
use serde_json::json;

const CREATE_SHAPE: &str = "The request body must be a JSON object with the text fields key, sealed_value and key_id, and optionally description.";
const PATCH_SHAPE: &str = "The request body must be a JSON object with the text field description.";

#[tokio::test]
async fn create_array_body_rejected() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");

    let response = server
        .create(&token, "acme", &json!(["FROM_ARRAY", "v", ""]))
        .await;

    assert_error(response, 400, "invalid_body", CREATE_SHAPE).await;
    assert!(server.keys(&token, "acme").await.is_empty());
}

#[tokio::test]
async fn patch_array_body_rejected() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    server.create_ok(&token, "acme", "API_KEY", "v").await;

    let response = server
        .client
        .patch(server.url("/api/v1/companies/acme/secrets/API_KEY"))
        .bearer_auth(&token)
        .json(&json!(["from an array"]))
        .send()
        .await
        .expect("sent");

    assert_error(response, 400, "invalid_body", PATCH_SHAPE).await;
    let events = server.count("SELECT COUNT(*) FROM activity_events WHERE action = 'updated'");
    assert_eq!(events, 0);
}
