//! Authentication and authorization of API requests, and login links.

mod common;

use common::{assert_error, sealed_request, store_sealing_key, TestServer};
use secrets_server::store::CredentialKind;
use serde_json::{json, Value};

const UNAUTHORIZED: &str =
    "Sign in to manage secrets: this request has no valid session or API token.";
const COMPANY_NOT_FOUND: &str = "No company with this ID was found.";

/// Returns a create request body for `key`, sealed to the public key of
/// `acme`. Requests to other companies are rejected before the body is
/// read.
fn acme_request(server: &TestServer, key: &str) -> Value {
    sealed_request(&store_sealing_key(server.store(), "acme"), key, "v")
}

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
            .json(&acme_request(server, "API_KEY")),
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
async fn auth_bad_token_invalid_company_unauthorized() {
    let server = TestServer::start().await;
    server.member("acme", "owner");
    let unknown = "0000000000000000000000000000000000000000000000000000000000000000";

    // The credential is checked before the company, so a bad token gets
    // 401 also for an unknown company and for an invalid company ID.
    for company in ["no-such-company", "Not_Valid"] {
        let responses =
            every_endpoint(&server, company, |request| request.bearer_auth(unknown)).await;
        for response in responses {
            assert_error(response, 401, "unauthorized", UNAUTHORIZED).await;
        }
    }
}

#[tokio::test]
async fn auth_bearer_scheme_case_insensitive() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");

    for scheme in ["Bearer", "bearer", "BEARER", "Bearer  ", "bearer \t "] {
        let authorization = format!("{scheme} {token}");
        for response in every_endpoint(&server, "acme", |request| {
            request.header("authorization", &authorization)
        })
        .await
        {
            let status = response.status().as_u16();
            assert!(
                [200, 201, 204].contains(&status),
                "{authorization:?}: {status} {}",
                response.text().await.unwrap_or_default()
            );
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

/// Posts the sign-in form with `token`, adding `headers`.
async fn post_login(
    server: &TestServer,
    token: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = server
        .client
        .post(server.url("/login"))
        .form(&[("token", token)]);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("sent")
}

/// Returns the number of login tokens that were used.
fn used_login_tokens(server: &TestServer) -> i64 {
    server.count("SELECT COUNT(*) FROM credentials WHERE kind = 'login' AND used_at IS NOT NULL")
}

#[tokio::test]
async fn login_link_sets_working_session() {
    let server = TestServer::start().await;
    let login = server.token("acme", "owner", CredentialKind::Login);

    let response = post_login(&server, &login, &[("sec-fetch-site", "same-origin")]).await;

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
        .json(&acme_request(&server, "FROM_BROWSER"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 201);
}

#[tokio::test]
async fn login_page_names_member_and_posts_token() {
    let server = TestServer::start().await;
    let login = server.token("acme", "owner", CredentialKind::Login);

    let response = server.get(&format!("/login?token={login}")).await;

    assert_eq!(response.status(), 200);
    assert!(response.headers().get("set-cookie").is_none());
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["referrer-policy"], "no-referrer");
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    let page = response.text().await.expect("text");
    assert!(
        page.contains("company <strong>acme</strong> as member <strong>owner</strong>"),
        "{page}"
    );
    assert!(
        page.contains(r#"<form method="post" action="/login">"#),
        "{page}"
    );
    assert!(
        page.contains(&format!(
            r#"<input type="hidden" name="token" value="{login}">"#
        )),
        "{page}"
    );
    assert!(
        page.contains(r#"<button type="submit">Sign in</button>"#),
        "{page}"
    );
    assert!(!page.to_lowercase().contains("<script"), "{page}");
}

#[tokio::test]
async fn login_page_escapes_member_name() {
    let server = TestServer::start().await;
    let login = server.token("acme", "<b>Tom & 'Jerry'</b>", CredentialKind::Login);

    let response = server.get(&format!("/login?token={login}")).await;

    let page = response.text().await.expect("text");
    assert!(
        page.contains("&lt;b&gt;Tom &amp; &#39;Jerry&#39;&lt;/b&gt;"),
        "{page}"
    );
    assert!(!page.contains("<b>"), "{page}");
}

#[tokio::test]
async fn login_page_does_not_use_token() {
    let server = TestServer::start().await;
    let login = server.token("acme", "owner", CredentialKind::Login);
    let url = server.url(&format!("/login?token={login}"));

    for _ in 0..2 {
        let response = server.client.get(&url).send().await.expect("sent");
        assert_eq!(response.status(), 200);
    }

    assert_eq!(used_login_tokens(&server), 0);
    assert_eq!(
        server.count("SELECT COUNT(*) FROM credentials WHERE kind = 'session'"),
        0
    );
    let response = post_login(&server, &login, &[]).await;
    assert_eq!(response.status(), 303);
}

#[tokio::test]
async fn login_cross_site_post_forbidden() {
    let server = TestServer::start().await;
    let login = server.token("acme", "owner", CredentialKind::Login);
    let host = server.addr.to_string();
    let own_origin = format!("http://{host}");

    let cross_site: [&[(&str, &str)]; 5] = [
        &[("sec-fetch-site", "cross-site")],
        &[("sec-fetch-site", "same-site")],
        // A browser that sends Sec-Fetch-Site is judged by it alone.
        &[("sec-fetch-site", "cross-site"), ("origin", &own_origin)],
        &[("origin", "http://evil.example")],
        &[("origin", "null")],
    ];
    for headers in cross_site {
        let response = post_login(&server, &login, headers).await;
        assert_eq!(response.status(), 403, "{headers:?}");
        assert!(
            response.headers().get("set-cookie").is_none(),
            "{headers:?}"
        );
        assert!(response.headers().get("location").is_none(), "{headers:?}");
        let page = response.text().await.expect("text");
        assert!(page.contains("Sign-in rejected"), "{page}");
    }

    assert_eq!(used_login_tokens(&server), 0);
    assert_eq!(
        server.count("SELECT COUNT(*) FROM credentials WHERE kind = 'session'"),
        0
    );
    let response = post_login(&server, &login, &[("sec-fetch-site", "same-origin")]).await;
    assert_eq!(response.status(), 303);
}

#[tokio::test]
async fn login_post_with_own_origin_works() {
    let server = TestServer::start().await;
    let login = server.token("acme", "owner", CredentialKind::Login);
    let own_origin = format!("http://{}", server.addr);

    let response = post_login(&server, &login, &[("origin", &own_origin)]).await;

    assert_eq!(response.status(), 303);
    assert!(response.headers().get("set-cookie").is_some());
    assert_eq!(used_login_tokens(&server), 1);
}

#[tokio::test]
async fn login_post_not_a_form_rejected() {
    let server = TestServer::start().await;
    let login = server.token("acme", "owner", CredentialKind::Login);

    let response = server
        .client
        .post(server.url("/login"))
        .json(&json!({ "token": login }))
        .send()
        .await
        .expect("sent");

    assert_eq!(response.status(), 415);
    let page = response.text().await.expect("text");
    assert!(page.contains("application/x-www-form-urlencoded"), "{page}");
    assert_eq!(used_login_tokens(&server), 0);
}

#[tokio::test]
async fn login_link_works_once() {
    let server = TestServer::start().await;
    let login = server.token("acme", "owner", CredentialKind::Login);

    let first = post_login(&server, &login, &[]).await;
    assert_eq!(first.status(), 303);

    let second = post_login(&server, &login, &[]).await;
    assert_eq!(second.status(), 401);
    assert!(second.headers().get("set-cookie").is_none());
    let page = second.text().await.expect("text");
    assert!(page.contains("invalid or was already used"), "{page}");
    assert!(page.contains("secrets-server login-link"), "{page}");

    let page = server.get(&format!("/login?token={login}")).await;
    assert_eq!(page.status(), 401);
}

#[tokio::test]
async fn login_link_unknown_or_missing_token() {
    let server = TestServer::start().await;

    for path in ["/login?token=abc", "/login", "/login?token="] {
        let response = server.get(path).await;
        assert_eq!(response.status(), 401, "{path}");
    }
    for body in ["token=abc", "", "other=1"] {
        let response = server
            .client
            .post(server.url("/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 401, "{body}");
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

    let response = server.get(&format!("/login?token={login}")).await;
    assert_eq!(response.status(), 401);

    let response = post_login(&server, &login, &[]).await;
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

const CROSS_ORIGIN: &str = "This change came from a page outside the Secrets section, so it was rejected. Make it in the Secrets section itself.";

#[tokio::test]
async fn session_change_from_other_origin_rejected() {
    let server = TestServer::start().await;
    let cookie = format!(
        "secrets_session={}",
        server.token("acme", "owner", CredentialKind::Session)
    );
    let token = server.api_token("acme", "owner");
    server.create_ok(&token, "acme", "KEPT", "v").await;

    // Another port of the same host is the same site, so the browser sends
    // the SameSite=Strict cookie along.
    let foreign = [
        ("origin", "http://127.0.0.1:9"),
        ("sec-fetch-site", "same-site"),
    ];
    let create = server
        .client
        .post(server.secrets_url("acme"))
        .header("cookie", &cookie)
        .headers(header_map(&foreign))
        .json(&acme_request(&server, "FORGED"))
        .send()
        .await
        .expect("sent");
    assert_error(create, 403, "cross_origin", CROSS_ORIGIN).await;
    let delete = server
        .client
        .delete(server.url("/api/v1/companies/acme/secrets/KEPT"))
        .header("cookie", &cookie)
        .headers(header_map(&foreign))
        .send()
        .await
        .expect("sent");
    assert_error(delete, 403, "cross_origin", CROSS_ORIGIN).await;
    assert_eq!(server.keys(&token, "acme").await, ["KEPT"]);

    // Reads stay open to the session, and changes from the section's own
    // origin go through.
    let list = server
        .client
        .get(server.secrets_url("acme"))
        .header("cookie", &cookie)
        .headers(header_map(&foreign))
        .send()
        .await
        .expect("sent");
    assert_eq!(list.status(), 200);
    let own_origin = server.url("");
    let own = [
        ("origin", own_origin.trim_end_matches('/')),
        ("sec-fetch-site", "same-origin"),
    ];
    let create = server
        .client
        .post(server.secrets_url("acme"))
        .header("cookie", &cookie)
        .headers(header_map(&own))
        .json(&acme_request(&server, "FROM_SECTION"))
        .send()
        .await
        .expect("sent");
    assert_eq!(create.status(), 201);
}

#[tokio::test]
async fn bearer_change_from_other_origin_allowed() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "script");
    let response = server
        .client
        .post(server.secrets_url("acme"))
        .bearer_auth(&token)
        .headers(header_map(&[("origin", "http://127.0.0.1:9")]))
        .json(&acme_request(&server, "FROM_SCRIPT"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 201);
}

fn header_map(pairs: &[(&'static str, &str)]) -> reqwest::header::HeaderMap {
    let mut headers = reqwest::header::HeaderMap::new();
    for (name, value) in pairs {
        headers.insert(*name, value.parse().expect("header value"));
    }
    headers
}

#[tokio::test]
async fn sign_in_deletes_expired_credentials() {
    let server = TestServer::start().await;
    let expired_session = server.token("acme", "owner", CredentialKind::Session);
    let api_token = server.api_token("acme", "owner");
    server
        .database()
        .execute(
            "UPDATE credentials SET expires_at = unixepoch() - 1 WHERE kind = 'session'",
            [],
        )
        .expect("expire");
    assert_eq!(server.count("SELECT COUNT(*) FROM credentials"), 2);

    let login = server.token("acme", "owner", CredentialKind::Login);
    let own_origin = server.url("");
    let response = post_login(
        &server,
        &login,
        &[("origin", own_origin.trim_end_matches('/'))],
    )
    .await;
    assert_eq!(response.status(), 303);

    assert_eq!(
        server.count("SELECT COUNT(*) FROM credentials WHERE kind = 'session'"),
        1,
        "only the new session is left"
    );
    assert!(!expired_session.is_empty());
    let listed = server
        .client
        .get(server.secrets_url("acme"))
        .bearer_auth(&api_token)
        .send()
        .await
        .expect("sent");
    assert_eq!(listed.status(), 200, "API tokens do not expire");
}
