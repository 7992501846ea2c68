//! Description updates (`PATCH`) and the activity log.

mod common;

use common::{assert_error, TestServer};
use serde_json::{json, Value};

const WRITE_ONCE: &str = "Values are write-once, so this request cannot change one. To replace a value, delete the secret and add it again with the same key.";
const PATCH_SHAPE: &str = "The request body must be a JSON object with the text field description.";

async fn patch(server: &TestServer, token: &str, key: &str, body: &str) -> reqwest::Response {
    server
        .client
        .patch(server.url(&format!("/api/v1/companies/acme/secrets/{key}")))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("sent")
}

async fn activity(server: &TestServer, token: &str, query: &str) -> reqwest::Response {
    server
        .client
        .get(server.url(&format!("/api/v1/companies/acme/activity{query}")))
        .bearer_auth(token)
        .send()
        .await
        .expect("sent")
}

/// Returns `action:key:member` of every event, newest first, reading
/// every page of `limit` events.
async fn all_events(server: &TestServer, token: &str, limit: usize) -> (Vec<String>, usize) {
    let mut events = Vec::new();
    let mut pages = 0;
    let mut query = format!("?limit={limit}");
    loop {
        let response = activity(server, token, &query).await;
        assert_eq!(response.status(), 200);
        let page: Value = response.json().await.expect("JSON");
        pages += 1;
        for event in page["events"].as_array().expect("events") {
            events.push(format!(
                "{}:{}:{}",
                event["action"].as_str().expect("action"),
                event["key"].as_str().expect("key"),
                event["member"].as_str().expect("member")
            ));
        }
        match page["next_before"].as_i64() {
            Some(before) => query = format!("?limit={limit}&before={before}"),
            None => return (events, pages),
        }
    }
}

#[tokio::test]
async fn patch_updates_description_and_records_event() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    server.create_ok(&token, "acme", "API_KEY", "value-1").await;

    let response = patch(
        &server,
        &token,
        "API_KEY",
        r#"{"description":"For e-mails"}"#,
    )
    .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["key"], "API_KEY");
    assert_eq!(body["description"], "For e-mails");
    assert_eq!(body["created_by"], "owner");
    assert!(body.get("value").is_none(), "{body}");

    let listed = server
        .store()
        .list_secrets(&"acme".parse().expect("valid"))
        .expect("list");
    assert_eq!(listed[0].description.as_str(), "For e-mails");
    let (events, _) = all_events(&server, &token, 20).await;
    assert_eq!(events, ["updated:API_KEY:owner", "added:API_KEY:owner"]);

    // The value did not change.
    let value = server
        .store()
        .open_value(
            &"acme".parse().expect("valid"),
            &"API_KEY".parse().expect("valid"),
        )
        .expect("open");
    assert_eq!(value.expose(), "value-1");
}

#[tokio::test]
async fn patch_same_description_records_nothing() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    server.create_ok(&token, "acme", "API_KEY", "v").await;
    for _ in 0..2 {
        let response = patch(&server, &token, "API_KEY", r#"{"description":"Same"}"#).await;
        assert_eq!(response.status(), 200);
    }
    let updated = server.count("SELECT COUNT(*) FROM activity_events WHERE action = 'updated'");
    assert_eq!(updated, 1);

    let cleared = patch(&server, &token, "API_KEY", r#"{"description":""}"#).await;
    assert_eq!(cleared.status(), 200);
    let body: Value = cleared.json().await.expect("JSON");
    assert_eq!(body["description"], "");
}

#[tokio::test]
async fn patch_value_rejected_as_write_once() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    server
        .create_ok(&token, "acme", "API_KEY", "original")
        .await;

    for body in [
        r#"{"value":"replacement"}"#,
        r#"{"description":"x","value":"replacement"}"#,
        r#"{"value":null}"#,
        r#"{"value":{"nested":["replacement"]}}"#,
    ] {
        let response = patch(&server, &token, "API_KEY", body).await;
        assert_error(response, 422, "value_write_once", WRITE_ONCE).await;
    }
    let value = server
        .store()
        .open_value(
            &"acme".parse().expect("valid"),
            &"API_KEY".parse().expect("valid"),
        )
        .expect("open");
    assert_eq!(value.expose(), "original");
    let listed = server
        .store()
        .list_secrets(&"acme".parse().expect("valid"))
        .expect("list");
    assert_eq!(
        listed[0].description.as_str(),
        "",
        "the description did not change either"
    );
    assert_eq!(
        server.count("SELECT COUNT(*) FROM activity_events WHERE action = 'updated'"),
        0
    );
}

#[tokio::test]
async fn patch_invalid_bodies_rejected() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    server.create_ok(&token, "acme", "API_KEY", "v").await;

    let cases = [
        ("{}", 400, "invalid_body", PATCH_SHAPE),
        (r#"{"description":5}"#, 400, "invalid_body", PATCH_SHAPE),
        (
            r#"{"description":"x","key":"OTHER"}"#,
            400,
            "invalid_body",
            PATCH_SHAPE,
        ),
        (
            r#"{"description":"a","description":"b"}"#,
            400,
            "invalid_body",
            "The request body contains a field more than once. Send each field once.",
        ),
        (
            r#"{"description":"x""#,
            400,
            "invalid_body",
            "The request body is not valid JSON.",
        ),
        (
            r#"{"description":"two\nlines"}"#,
            422,
            "invalid_description",
            "Descriptions are one line of text. Remove line breaks and control characters.",
        ),
    ];
    for (body, status, code, message) in cases {
        let response = patch(&server, &token, "API_KEY", body).await;
        assert_eq!(response.status(), status, "{body}");
        let error: Value = response.json().await.expect("JSON");
        assert_eq!(error["code"], code, "{body}");
        assert_eq!(error["message"], message, "{body}");
    }
    assert_eq!(
        server.count("SELECT COUNT(*) FROM activity_events WHERE action = 'updated'"),
        0
    );
}

#[tokio::test]
async fn patch_unknown_secret_not_found() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    for key in ["MISSING", "not_a_key"] {
        let response = patch(&server, &token, key, r#"{"description":"x"}"#).await;
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

#[tokio::test]
async fn activity_pages_newest_first() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    let other = server.api_token("acme", "second");
    let mut expected = Vec::new();
    for index in 0..7 {
        let key = format!("KEY_{index}");
        server.create_ok(&token, "acme", &key, "v").await;
        expected.push(format!("added:{key}:owner"));
    }
    let response = patch(&server, &other, "KEY_3", r#"{"description":"d"}"#).await;
    assert_eq!(response.status(), 200);
    expected.push("updated:KEY_3:second".to_owned());
    let deleted = server
        .client
        .delete(server.url("/api/v1/companies/acme/secrets/KEY_5"))
        .bearer_auth(&other)
        .send()
        .await
        .expect("sent");
    assert_eq!(deleted.status(), 204);
    expected.push("removed:KEY_5:second".to_owned());
    expected.reverse();

    let (events, pages) = all_events(&server, &token, 3).await;
    assert_eq!(events, expected);
    assert_eq!(pages, 3);
    let (events, pages) = all_events(&server, &token, 100).await;
    assert_eq!(events, expected);
    assert_eq!(pages, 1);

    // The default page size is 20.
    let response = activity(&server, &token, "").await;
    let page: Value = response.json().await.expect("JSON");
    assert_eq!(page["events"].as_array().expect("events").len(), 9);
    assert_eq!(page["next_before"], Value::Null);
    let first = &page["events"][0];
    assert!(
        first["occurred_at"].as_str().expect("time").ends_with('Z'),
        "{first}"
    );
    assert!(first["id"].as_i64().is_some(), "{first}");
}

#[tokio::test]
async fn activity_new_company_empty() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    let response = activity(&server, &token, "").await;
    assert_eq!(response.status(), 200);
    let page: Value = response.json().await.expect("JSON");
    assert_eq!(page, json!({ "events": [], "next_before": null }));
}

#[tokio::test]
async fn activity_invalid_query_rejected() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    let message = "Invalid query: before must be an event ID and limit a number from 1 to 100.";
    for query in [
        "?limit=0",
        "?limit=101",
        "?limit=-1",
        "?limit=x",
        "?before=x",
        "?before=1.5",
    ] {
        let response = activity(&server, &token, query).await;
        assert_error(response, 400, "invalid_query", message).await;
    }
    let response = activity(&server, &token, "?limit=100&unknown=1").await;
    assert_eq!(response.status(), 200, "unknown parameters are ignored");
}

#[tokio::test]
async fn activity_other_company_events_hidden() {
    let server = TestServer::start().await;
    let acme = server.api_token("acme", "owner");
    let beta = server.api_token("beta", "owner");
    server.create_ok(&beta, "beta", "BETA_KEY", "v").await;
    let (events, _) = all_events(&server, &acme, 20).await;
    assert!(events.is_empty(), "{events:?}");
}
