//! Bodies the server rejects before validation, and unknown routes: every
//! error is a JSON `ErrorBody`.

mod common;

use common::{assert_error, raw_request, TestServer};
use serde_json::json;

const TOO_LARGE: &str = "The request body is larger than the limit of 256 KiB.";

#[tokio::test]
async fn body_too_large_by_content_length() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    let head = format!(
        "POST /api/v1/companies/acme/secrets HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        256 * 1024 + 1
    );

    // No body bytes are sent, so the server must respond from the header alone.
    let (status, response) = raw_request(server.addr, &[head.as_bytes()]).await;

    assert_eq!(status, 413, "{response}");
    assert!(
        response.contains(r#""code":"payload_too_large""#),
        "{response}"
    );
    assert!(response.contains(TOO_LARGE), "{response}");
}

#[tokio::test]
async fn body_too_large_while_streaming() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    let head = format!(
        "POST /api/v1/companies/acme/secrets HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    let chunk = format!("4000\r\n{}\r\n", "a".repeat(0x4000));

    // Sixteen 16 KiB chunks reach the limit exactly; one more byte passes it.
    // The body never ends, so only the running count can reject it.
    let mut parts: Vec<&[u8]> = vec![head.as_bytes()];
    parts.extend(std::iter::repeat_n(chunk.as_bytes(), 16));
    parts.push(b"1\r\na");
    let (status, response) = raw_request(server.addr, &parts).await;

    assert_eq!(status, 413, "{response}");
    assert!(
        response.contains(r#""code":"payload_too_large""#),
        "{response}"
    );
    assert_eq!(server.count("SELECT COUNT(*) FROM secrets"), 0);
}

#[tokio::test]
async fn body_wrong_content_type() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    let message = "Send the request body as JSON, with the header Content-Type: application/json.";

    let response = server
        .client
        .post(server.secrets_url("acme"))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body(r#"{"key":"A","value":"v"}"#)
        .send()
        .await
        .expect("sent");
    assert_error(response, 415, "invalid_body", message).await;

    let response = server
        .client
        .post(server.secrets_url("acme"))
        .bearer_auth(&token)
        .body(r#"{"key":"A","value":"v"}"#)
        .send()
        .await
        .expect("sent");
    assert_error(response, 415, "invalid_body", message).await;
}

#[tokio::test]
async fn body_invalid_json() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    let send = |body: &'static str| {
        server
            .client
            .post(server.secrets_url("acme"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };

    let response = send(r#"{"key":"A","value":"v""#).await.expect("sent");
    assert_error(
        response,
        400,
        "invalid_body",
        "The request body is not valid JSON.",
    )
    .await;

    let shape = "The request body must be a JSON object with the text fields key, sealed_value and key_id, and optionally description.";
    for body in [
        r#"{"key":"A"}"#,
        r#"{"key":"A","sealed_value":"AAAA"}"#,
        r#"{"key":"A","sealed_value":7,"key_id":"k"}"#,
        "[]",
        r#""text""#,
    ] {
        let response = send(body).await.expect("sent");
        assert_error(response, 400, "invalid_body", shape).await;
    }
}

#[tokio::test]
async fn api_unknown_path_json_404() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");

    for path in [
        "/api/v1/nope",
        "/api",
        "/api/v1/companies/acme/secrets/A/extra",
    ] {
        let response = server
            .client
            .get(server.url(path))
            .bearer_auth(&token)
            .send()
            .await
            .expect("sent");
        assert_eq!(
            response.headers()["content-type"],
            "application/json",
            "{path}"
        );
        assert_error(response, 404, "not_found", "No API endpoint has this path.").await;
    }
}

#[tokio::test]
async fn api_wrong_method_json_405() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");

    let response = server
        .client
        .put(server.secrets_url("acme"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent");
    assert_error(
        response,
        405,
        "method_not_allowed",
        "This API endpoint does not accept the PUT method.",
    )
    .await;

    let url = server.url("/api/v1/companies/acme/secrets/A");
    let response = server
        .client
        .get(&url)
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .expect("sent");
    assert_error(
        response,
        405,
        "method_not_allowed",
        "This API endpoint does not accept the GET method.",
    )
    .await;
}
