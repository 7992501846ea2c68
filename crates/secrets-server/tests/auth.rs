//! Authentication and authorization of API requests, and login links.

mod common;

use common::{assert_error, TestServer};
use secrets_server::store::CredentialKind;
use serde_json::json;

const UNAUTHORIZED: &str =
    "Sign in to manage secrets: this request has no valid session or API token.";
const COMPANY_NOT_FOUND: &str = "No company with this ID was found.";

/// Sends one request to each endpoint with `credential` applied.
async fn every_endpoint(
    server: &TestServer,
    company: &str,
    credential: impl Fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
) -> Vec<reqwest::Response> {
    let secret_url = server.url(&format!("/api/v1/companies/{company}/secrets/API_KEY"));
    let requests = [
        server.client.get(server.secrets_url(company)),
        server
            .client
            .post(server.secrets_url(company))
            .json(&json!({ "key": "API_KEY", "value": "v" })),
        server.client.delete(secret_url),
    ];
    let mut responses = Vec::new();
    for request in requests {
        responses.push(credential(request).send().await.expect("sent"));
    }
    responses
}

#[tokio::test]
async fn auth_missing_credential_unauthorized() {
    let server = TestServer::start().await;
    server.member("acme", "owner");

    for response in every_endpoint(&server, "acme", |request| request).await {
        assert_error(response, 401, "unauthorized", UNAUTHORIZED).await;
    }
}

#[tokio::test]
async fn auth_bad_token_unauthorized() {
    let server = TestServer::start().await;
    let login = server.token("acme", "owner", CredentialKind::Login);

    let bad_credentials = [
        "Bearer 0000000000000000000000000000000000000000000000000000000000000000".to_owned(),
        "Basic b3duZXI6cGFzcw==".to_owned(),
        // A login token is not an API token.
        format!("Bearer {login}"),
    ];
    for authorization in bad_credentials {
        let responses = every_endpoint(&server, "acme", |request| {
            request.header("authorization", &authorization)
        })
        .await;
        for response in responses {
            assert_error(response, 401, "unauthorized", UNAUTHORIZED).await;
        }
    }
}

#[tokio::test]
async fn auth_other_company_same_as_unknown() {
    let server = TestServer::start().await;
    let acme = server.api_token("acme", "owner");
    server.create_ok(&acme, "acme", "API_KEY", "v").await;
    let beta = server.api_token("beta", "owner");

    for company in ["acme", "no-such-company", "Not_Valid"] {
        for response in every_endpoint(&server, company, |request| request.bearer_auth(&beta)).await
        {
            assert_error(response, 404, "not_found", COMPANY_NOT_FOUND).await;
        }
    }
    assert_eq!(server.keys(&acme, "acme").await, ["API_KEY"]);
}

#[tokio::test]
async fn login_link_sets_working_session() {
    let server = TestServer::start().await;
    let login = server.token("acme", "owner", CredentialKind::Login);

    let response = server
        .client
        .get(server.url(&format!("/login?token={login}")))
        .send()
        .await
        .expect("sent");

    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        "/companies/acme/settings/secrets"
    );
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .expect("ASCII")
        .to_owned();
    assert!(cookie.starts_with("secrets_session="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    let session = cookie.split(';').next().expect("pair").to_owned();

    let response = server
        .client
        .get(server.secrets_url("acme"))
        .header("cookie", &session)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    let response = server
        .client
        .post(server.secrets_url("acme"))
        .header("cookie", &session)
        .json(&json!({ "key": "FROM_BROWSER", "value": "v" }))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 201);
}

#[tokio::test]
async fn login_link_works_once() {
    let server = TestServer::start().await;
    let login = server.token("acme", "owner", CredentialKind::Login);
    let url = server.url(&format!("/login?token={login}"));

    let first = server.client.get(&url).send().await.expect("sent");
    assert_eq!(first.status(), 303);

    let second = server.client.get(&url).send().await.expect("sent");
    assert_eq!(second.status(), 401);
    assert!(second.headers().get("set-cookie").is_none());
    let page = second.text().await.expect("text");
    assert!(page.contains("invalid or was already used"), "{page}");
    assert!(page.contains("secrets-server login-link"), "{page}");
}

#[tokio::test]
async fn login_link_unknown_or_missing_token() {
    let server = TestServer::start().await;

    for path in ["/login?token=abc", "/login", "/login?token="] {
        let response = server
            .client
            .get(server.url(path))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 401, "{path}");
    }
}

#[tokio::test]
async fn login_link_expired_rejected() {
    let server = TestServer::start().await;
    let login = server.token("acme", "owner", CredentialKind::Login);
    server
        .database()
        .execute(
            "UPDATE credentials SET expires_at = 0 WHERE kind = 'login'",
            [],
        )
        .expect("expire");

    let response = server
        .client
        .get(server.url(&format!("/login?token={login}")))
        .send()
        .await
        .expect("sent");

    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn session_expired_unauthorized() {
    let server = TestServer::start().await;
    let session = server.token("acme", "owner", CredentialKind::Session);
    let cookie = format!("secrets_session={session}");
    let response = server
        .client
        .get(server.secrets_url("acme"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);

    server
        .database()
        .execute(
            "UPDATE credentials SET expires_at = 0 WHERE kind = 'session'",
            [],
        )
        .expect("expire");

    let response = server
        .client
        .get(server.secrets_url("acme"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("sent");
    assert_error(response, 401, "unauthorized", UNAUTHORIZED).await;
}

#[tokio::test]
async fn session_token_not_accepted_as_bearer() {
    let server = TestServer::start().await;
    let session = server.token("acme", "owner", CredentialKind::Session);

    let response = server
        .client
        .get(server.secrets_url("acme"))
        .bearer_auth(&session)
        .send()
        .await
        .expect("sent");

    assert_error(response, 401, "unauthorized", UNAUTHORIZED).await;
}

#[tokio::test]
async fn credentials_store_only_hashes() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");

    let stored: String = server
        .database()
        .query_row("SELECT token_hash FROM credentials", [], |row| row.get(0))
        .expect("one row");

    assert_ne!(stored, token);
    assert_eq!(stored.len(), 64);
}
