//! Headers that every response carries: no framing by other sites, no
//! content type sniffing and no Referer.

mod common;

use common::TestServer;
use secrets_server::store::CredentialKind;

const SECURITY_HEADERS: [(&str, &str); 4] = [
    ("x-frame-options", "DENY"),
    ("content-security-policy", "frame-ancestors 'none'"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
];

fn assert_security_headers(response: &reqwest::Response, context: &str) {
    for (name, value) in SECURITY_HEADERS {
        assert_eq!(
            response.headers().get(name).map(|header| header.as_bytes()),
            Some(value.as_bytes()),
            "{context}: {name}"
        );
    }
}

#[tokio::test]
async fn security_headers_on_api_responses() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");

    let list = server
        .client
        .get(server.secrets_url("acme"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent");
    assert_eq!(list.status(), 200);
    assert_security_headers(&list, "list");

    let unauthorized = server
        .client
        .get(server.secrets_url("acme"))
        .send()
        .await
        .expect("sent");
    assert_eq!(unauthorized.status(), 401);
    assert_security_headers(&unauthorized, "401");

    let unknown = server.get("/api/v1/nope").await;
    assert_eq!(unknown.status(), 404);
    assert_security_headers(&unknown, "unknown API path");
}

#[tokio::test]
async fn security_headers_on_login_pages() {
    let server = TestServer::start().await;
    let login = server.token("acme", "owner", CredentialKind::Login);

    let page = server.get(&format!("/login?token={login}")).await;
    assert_eq!(page.status(), 200);
    assert_security_headers(&page, "login page");

    let invalid = server.get("/login?token=abc").await;
    assert_eq!(invalid.status(), 401);
    assert_security_headers(&invalid, "invalid link page");

    let signed_in = server
        .client
        .post(server.url("/login"))
        .form(&[("token", login.as_str())])
        .send()
        .await
        .expect("sent");
    assert_eq!(signed_in.status(), 303);
    assert_security_headers(&signed_in, "sign-in redirect");
}

#[tokio::test]
async fn security_headers_on_spa_files() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let dist_dir = dir.path().join("dist");
    std::fs::create_dir_all(&dist_dir).expect("dist dir");
    std::fs::write(dist_dir.join("index.html"), "<!doctype html>").expect("index");
    std::fs::write(dist_dir.join("app.js"), "console.log('app');").expect("asset");
    let server = TestServer::start_in(dir, dist_dir).await;

    for path in [
        "/",
        "/app.js",
        "/companies/acme/settings/secrets",
        "/missing.js",
    ] {
        let response = server.get(path).await;
        assert_security_headers(&response, path);
    }
}
