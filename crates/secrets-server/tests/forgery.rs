//! Requests that a hostile page could make a member's browser send with
//! the session cookie. Each is rejected and changes nothing.

mod common;

use common::TestServer;
use secrets_server::store::CredentialKind;
use serde_json::Value;

/// One forged request: what the hostile page sends and what it gets.
struct Forged {
    name: &'static str,
    method: reqwest::Method,
    path: &'static str,
    content_type: Option<&'static str>,
    body: &'static str,
    /// Headers the browser adds, such as `Origin` and `Sec-Fetch-Site`.
    headers: &'static [(&'static str, &'static str)],
    status: u16,
    code: &'static str,
}

const CROSS_SITE: &[(&str, &str)] = &[
    ("origin", "http://127.0.0.1:9"),
    ("sec-fetch-site", "cross-site"),
];
const SAME_SITE_OTHER_PORT: &[(&str, &str)] = &[
    ("origin", "http://127.0.0.1:9"),
    ("sec-fetch-site", "same-site"),
];
const FOREIGN_ORIGIN_ONLY: &[(&str, &str)] = &[("origin", "http://127.0.0.1:9")];
const NULL_ORIGIN: &[(&str, &str)] = &[("origin", "null")];
/// A browser that sends neither header, as very old ones do.
const NO_HEADERS: &[(&str, &str)] = &[];

fn forged_requests() -> Vec<Forged> {
    use reqwest::Method;
    let secrets = "/api/v1/companies/acme/secrets";
    let secret = "/api/v1/companies/acme/secrets/KEPT";
    let json_body = r#"{"key":"FORGED","value":"v"}"#;
    let form = |name, headers, status, code| Forged {
        name,
        method: Method::POST,
        path: secrets,
        content_type: Some("application/x-www-form-urlencoded"),
        body: "key=FORGED&value=v",
        headers,
        status,
        code,
    };
    vec![
        form("form post, cross-site", CROSS_SITE, 403, "cross_origin"),
        form(
            "form post, same site",
            SAME_SITE_OTHER_PORT,
            403,
            "cross_origin",
        ),
        form(
            "form post, Origin only",
            FOREIGN_ORIGIN_ONLY,
            403,
            "cross_origin",
        ),
        form("form post, null Origin", NULL_ORIGIN, 403, "cross_origin"),
        form("form post, no headers", NO_HEADERS, 415, "invalid_body"),
        Forged {
            name: "multipart form post, no headers",
            method: Method::POST,
            path: secrets,
            content_type: Some("multipart/form-data; boundary=x"),
            body: "--x\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nFORGED\r\n--x--\r\n",
            headers: NO_HEADERS,
            status: 415,
            code: "invalid_body",
        },
        Forged {
            name: "text/plain JSON, cross-site",
            method: Method::POST,
            path: secrets,
            content_type: Some("text/plain"),
            body: json_body,
            headers: CROSS_SITE,
            status: 403,
            code: "cross_origin",
        },
        Forged {
            name: "text/plain JSON, no headers",
            method: Method::POST,
            path: secrets,
            content_type: Some("text/plain;charset=UTF-8"),
            body: json_body,
            headers: NO_HEADERS,
            status: 415,
            code: "invalid_body",
        },
        Forged {
            name: "JSON without content type, no headers",
            method: Method::POST,
            path: secrets,
            content_type: None,
            body: json_body,
            headers: NO_HEADERS,
            status: 415,
            code: "invalid_body",
        },
        Forged {
            name: "JSON post, cross-site",
            method: Method::POST,
            path: secrets,
            content_type: Some("application/json"),
            body: json_body,
            headers: CROSS_SITE,
            status: 403,
            code: "cross_origin",
        },
        Forged {
            name: "delete, cross-site",
            method: Method::DELETE,
            path: secret,
            content_type: None,
            body: "",
            headers: CROSS_SITE,
            status: 403,
            code: "cross_origin",
        },
        Forged {
            name: "patch, same site",
            method: Method::PATCH,
            path: secret,
            content_type: Some("application/json"),
            body: r#"{"description":"forged"}"#,
            headers: SAME_SITE_OTHER_PORT,
            status: 403,
            code: "cross_origin",
        },
        Forged {
            name: "patch as text/plain, no headers",
            method: Method::PATCH,
            path: secret,
            content_type: Some("text/plain"),
            body: r#"{"description":"forged"}"#,
            headers: NO_HEADERS,
            status: 415,
            code: "invalid_body",
        },
        Forged {
            name: "logout, cross-site",
            method: Method::DELETE,
            path: "/api/v1/session",
            content_type: None,
            body: "",
            headers: CROSS_SITE,
            status: 403,
            code: "cross_origin",
        },
    ]
}

/// Returns every stored row that a forged request could change.
fn snapshot(server: &TestServer) -> String {
    let database = server.database();
    let mut rows = Vec::new();
    for sql in [
        "SELECT key || '=' || description FROM secrets ORDER BY key",
        "SELECT action || ':' || key FROM activity_events ORDER BY id",
        "SELECT kind || ':' || COALESCE(revoked_at, '') FROM credentials ORDER BY id",
    ] {
        let mut statement = database.prepare(sql).expect("prepare");
        let found = statement
            .query_map([], |row| row.get::<_, String>(0))
            .expect("query")
            .collect::<Result<Vec<_>, _>>()
            .expect("rows");
        rows.push(found.join(","));
    }
    rows.join("\n")
}

#[tokio::test]
async fn forged_requests_rejected_without_change() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    server.create_ok(&token, "acme", "KEPT", "v").await;
    let cookie = format!(
        "secrets_session={}",
        server.token("acme", "owner", CredentialKind::Session)
    );
    let before = snapshot(&server);

    for forged in forged_requests() {
        let mut request = server
            .client
            .request(forged.method.clone(), server.url(forged.path))
            .header("cookie", &cookie)
            .body(forged.body);
        if let Some(content_type) = forged.content_type {
            request = request.header("content-type", content_type);
        }
        for (name, value) in forged.headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("sent");

        assert_eq!(response.status().as_u16(), forged.status, "{}", forged.name);
        let body: Value = response.json().await.expect("JSON error");
        assert_eq!(body["code"], forged.code, "{}", forged.name);
        assert_eq!(snapshot(&server), before, "{} changed data", forged.name);
    }
}

#[tokio::test]
async fn preflight_grants_no_cross_origin_access() {
    let server = TestServer::start().await;
    let response = server
        .client
        .request(reqwest::Method::OPTIONS, server.secrets_url("acme"))
        .header("origin", "http://127.0.0.1:9")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .expect("sent");
    assert!(!response.status().is_success(), "{}", response.status());
    for header in [
        "access-control-allow-origin",
        "access-control-allow-credentials",
        "access-control-allow-methods",
    ] {
        assert!(response.headers().get(header).is_none(), "{header}");
    }
}

#[tokio::test]
async fn cookie_attributes_block_cross_site_sending() {
    let server = TestServer::start().await;
    let login = server.token("acme", "owner", CredentialKind::Login);
    let own_origin = server.url("");
    let response = server
        .client
        .post(server.url("/login"))
        .header("origin", own_origin.trim_end_matches('/'))
        .form(&[("token", login.as_str())])
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 303);
    let cookie = response.headers()["set-cookie"].to_str().expect("text");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute}: {cookie}");
    }
}
