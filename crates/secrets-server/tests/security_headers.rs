//! Headers that every response carries: a content security policy that
//! allows no inline script but the SPA's own, the sites that may frame the
//! pages, no content type sniffing and no Referer.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use common::{login_link_from, session_cookie, sign_in, Binary, TestServer};
use reqwest::header::{CONTENT_TYPE, COOKIE};
use secrets_server::store::CredentialKind;
use sha2::{Digest, Sha256};

/// The inline module script of an index.html in the shape that trunk
/// 0.21.14 writes, and the page around it.
const LOADER_SCRIPT: &str = "\nimport init, * as bindings from '/app-1.js';\nconst wasm = await init({ module_or_path: '/app-1_bg.wasm' });\n\n\nwindow.wasmBindings = bindings;\n\n\ndispatchEvent(new CustomEvent(\"TrunkApplicationStarted\", {detail: {wasm}}));\n\n";

fn index_html(script: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Secrets SPA</title>
    <link rel="stylesheet" href="/main.css"/>
<script type="module">{script}</script>
  <link rel="modulepreload" href="/app-1.js" crossorigin="anonymous"></head>
  <body></body>
</html>
"#
    )
}

/// Returns the `'sha256-…'` source expression of an inline script.
fn script_hash(script: &str) -> String {
    format!(
        "'sha256-{}'",
        BASE64.encode(Sha256::digest(script.as_bytes()))
    )
}

/// Writes a dist directory with an index.html, a script, a stylesheet and
/// an icon, and returns its path.
fn write_dist(dir: &Path) -> PathBuf {
    let dist_dir = dir.join("dist");
    std::fs::create_dir_all(&dist_dir).expect("dist dir");
    std::fs::write(dist_dir.join("index.html"), index_html(LOADER_SCRIPT)).expect("index");
    std::fs::write(
        dist_dir.join("app-1.js"),
        "export default function init() {}",
    )
    .expect("js");
    std::fs::write(dist_dir.join("main.css"), "body { margin: 0; }").expect("css");
    std::fs::write(dist_dir.join("favicon.svg"), "<svg></svg>").expect("icon");
    dist_dir
}

/// The framing headers that a server is expected to send.
struct Framing<'a> {
    /// Source list of the `frame-ancestors` directive.
    frame_ancestors: &'a [&'a str],
    /// `X-Frame-Options`, or `None` when the header must be absent.
    x_frame_options: Option<&'a str>,
}

const NO_FRAMING: Framing<'static> = Framing {
    frame_ancestors: &["'none'"],
    x_frame_options: Some("DENY"),
};

/// Splits a content security policy into its directives and their source
/// lists.
fn directives(policy: &str) -> BTreeMap<String, Vec<String>> {
    policy
        .split(';')
        .map(str::trim)
        .filter(|directive| !directive.is_empty())
        .map(|directive| {
            let mut parts = directive.split_ascii_whitespace().map(str::to_owned);
            let name = parts.next().expect("directive name");
            (name, parts.collect())
        })
        .collect()
}

/// Returns the policy that a response must carry: `script_hashes` are the
/// hashes of its inline scripts, empty for every response but the SPA's
/// HTML files.
fn expected_directives(
    framing: &Framing,
    script_hashes: &[String],
) -> BTreeMap<String, Vec<String>> {
    let mut script_src = vec!["'self'".to_owned(), "'wasm-unsafe-eval'".to_owned()];
    script_src.extend_from_slice(script_hashes);
    let list = |sources: &[&str]| sources.iter().map(|source| (*source).to_owned()).collect();
    BTreeMap::from([
        ("default-src".to_owned(), list(&["'none'"])),
        ("script-src".to_owned(), script_src),
        ("style-src".to_owned(), list(&["'self'"])),
        ("img-src".to_owned(), list(&["'self'", "data:"])),
        ("connect-src".to_owned(), list(&["'self'"])),
        ("base-uri".to_owned(), list(&["'none'"])),
        ("form-action".to_owned(), list(&["'self'"])),
        ("frame-ancestors".to_owned(), list(framing.frame_ancestors)),
    ])
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    response
        .headers()
        .get(name)
        .map(|value| value.to_str().expect("ASCII header"))
}

fn assert_security_headers(
    response: &reqwest::Response,
    framing: &Framing,
    script_hashes: &[String],
    context: &str,
) {
    let policies: Vec<_> = response
        .headers()
        .get_all("content-security-policy")
        .iter()
        .collect();
    assert_eq!(policies.len(), 1, "{context}: one policy header");
    let policy = policies[0].to_str().expect("ASCII policy");

    assert!(!policy.contains("'unsafe-inline'"), "{context}: {policy}");
    assert!(!policy.contains("'unsafe-eval'"), "{context}: {policy}");
    assert_eq!(
        directives(policy),
        expected_directives(framing, script_hashes),
        "{context}: {policy}"
    );
    assert_eq!(
        header(response, "x-frame-options"),
        framing.x_frame_options,
        "{context}"
    );
    assert_eq!(
        header(response, "x-content-type-options"),
        Some("nosniff"),
        "{context}"
    );
    assert_eq!(
        header(response, "referrer-policy"),
        Some("no-referrer"),
        "{context}"
    );
}

/// Sends one request for every kind of response that the router sends, and
/// checks the status and the security headers of each response. The kinds
/// are API successes and errors, 404 and 405, the SPA's files and its
/// index.html on every path that serves it, the login pages and the page
/// shown when the SPA is not built. `login_link` must be unused; the check signs in with it.
async fn check_every_response_kind(
    base_url: &str,
    dist_dir: &Path,
    login_link: &str,
    framing: &Framing<'_>,
) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client");
    let url = |path: &str| format!("{base_url}{path}");
    let secrets = url("/api/v1/companies/acme/secrets");
    let loader_hashes = [script_hash(LOADER_SCRIPT)];

    // The login page, then the sign-in that it posts.
    let page = client.get(login_link).send().await.expect("sent");
    assert_eq!(page.status(), 200, "login page");
    assert_security_headers(&page, framing, &[], "login page");
    let signed_in = sign_in(&client, login_link).await;
    assert_eq!(signed_in.status(), 303, "sign-in redirect");
    assert_security_headers(&signed_in, framing, &[], "sign-in redirect");
    let cookie = session_cookie(&signed_in);

    let cases: Vec<(&str, reqwest::RequestBuilder, u16, &[String])> = vec![
        (
            "secrets list",
            client.get(&secrets).header(COOKIE, &cookie),
            200,
            &[],
        ),
        ("API without credentials", client.get(&secrets), 401, &[]),
        (
            "API validation error",
            client
                .post(&secrets)
                .header(COOKIE, &cookie)
                .header("sec-fetch-site", "same-origin")
                .json(&serde_json::json!({ "key": "1BAD", "value": "x" })),
            422,
            &[],
        ),
        (
            "API secret not found",
            client
                .delete(format!("{secrets}/MISSING"))
                .header(COOKIE, &cookie)
                .header("sec-fetch-site", "same-origin"),
            404,
            &[],
        ),
        (
            "unknown API path",
            client.get(url("/api/v1/nope")),
            404,
            &[],
        ),
        (
            "API method not allowed",
            client.put(&secrets).header(COOKIE, &cookie),
            405,
            &[],
        ),
        ("index.html at /", client.get(url("/")), 200, &loader_hashes),
        (
            "index.html by name",
            client.get(url("/index.html")),
            200,
            &loader_hashes,
        ),
        (
            "index.html for a client route",
            client.get(url("/companies/acme/settings/secrets")),
            200,
            &loader_hashes,
        ),
        ("script file", client.get(url("/app-1.js")), 200, &[]),
        ("stylesheet", client.get(url("/main.css")), 200, &[]),
        ("icon", client.get(url("/favicon.svg")), 200, &[]),
        ("missing asset", client.get(url("/missing.js")), 404, &[]),
        (
            "invalid login link page",
            client.get(url("/login?token=abc")),
            401,
            &[],
        ),
        (
            "cross-site sign-in page",
            client
                .post(url("/login"))
                .header("sec-fetch-site", "cross-site")
                .form(&[("token", "abc")]),
            403,
            &[],
        ),
        (
            "sign-in without a form",
            client
                .post(url("/login"))
                .header(CONTENT_TYPE, "application/json")
                .body("{}"),
            415,
            &[],
        ),
        (
            "login method not allowed",
            client.delete(url("/login")),
            405,
            &[],
        ),
    ];
    for (context, request, status, script_hashes) in cases {
        let response = request.send().await.expect("sent");
        assert_eq!(response.status(), status, "{context}");
        assert_security_headers(&response, framing, script_hashes, context);
    }

    // The server reads index.html for every request, so removing it shows
    // the page that explains how to build the SPA.
    std::fs::remove_file(dist_dir.join("index.html")).expect("remove index.html");
    let not_built = client
        .get(url("/companies/acme/settings/secrets"))
        .send()
        .await
        .expect("sent");
    assert_eq!(not_built.status(), 503, "SPA not built");
    assert_security_headers(&not_built, framing, &[], "SPA not built");
}

#[tokio::test]
async fn security_headers_default_on_every_response() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let dist_dir = write_dist(dir.path());
    let server = TestServer::start_in(dir, dist_dir.clone()).await;
    let token = server.token("acme", "owner", CredentialKind::Login);
    let login_link = server.url(&format!("/login?token={token}"));

    check_every_response_kind(&server.url(""), &dist_dir, &login_link, &NO_FRAMING).await;
}

#[tokio::test]
async fn security_headers_frame_ancestors_on_every_response() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let dist_dir = write_dist(dir.path());
    let flags = [
        "--frame-ancestors",
        "https://dashboard.example.com,http://127.0.0.1:3000",
        "--frame-ancestors",
        "https://*.example.org",
    ];
    let (server, base_url) =
        Binary::serve_with_args(&dir.path().join("data"), &dist_dir, &flags, &[]);
    let login_link = login_link_from(&server.stdout()).expect("login link on stdout");
    let framing = Framing {
        frame_ancestors: &[
            "https://dashboard.example.com",
            "http://127.0.0.1:3000",
            "https://*.example.org",
        ],
        x_frame_options: None,
    };

    check_every_response_kind(&base_url, &dist_dir, &login_link, &framing).await;
}

#[tokio::test]
async fn security_headers_index_hash_follows_rebuild() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let dist_dir = write_dist(dir.path());
    let server = TestServer::start_in(dir, dist_dir.clone()).await;

    // A rebuild writes a new loader, with CR LF line breaks this time, which
    // browsers read as LF before they hash the script.
    let rebuilt_script = "\r\nimport init from '/app-2.js';\r\nawait init();\r\n";
    let two_scripts = format!(
        "{}<script>console.log('second');</script>",
        index_html(rebuilt_script)
    );
    std::fs::write(dist_dir.join("index.html"), two_scripts).expect("rewrite index");
    let expected = [
        script_hash("\nimport init from '/app-2.js';\nawait init();\n"),
        script_hash("console.log('second');"),
    ];

    for path in ["/", "/companies/acme/settings/secrets"] {
        let response = server.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_security_headers(&response, &NO_FRAMING, &expected, path);
    }
}

#[test]
fn frame_ancestors_flag_rejects_invalid_origin() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = dir.path().join("data");
    let cases = [
        ("https://dashboard.example.com/shell", "has a path"),
        ("*", "has no scheme"),
        (
            "https://a.*.example.com",
            "a wildcard may only replace the first label",
        ),
        ("'self'", "the origin contains the invalid character '\\''"),
        (
            "https://dashboard.example.com;script-src",
            "the origin contains the invalid character ';'",
        ),
        (
            "https://a.example.com, https://b.example.com",
            "the origin contains the invalid character ' '",
        ),
        (
            "ftp://dashboard.example.com",
            "the scheme `ftp` is not http or https",
        ),
        ("http://127.0.0.1:99999", "the port `99999` is not a number"),
        ("", "the origin is empty"),
    ];
    for (origin, expected) in cases {
        let mut command = Binary::spawn(
            &[
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--data-dir",
                data_dir.to_str().expect("UTF-8"),
                "--frame-ancestors",
                origin,
            ],
            &[],
        );

        let exit = command.wait_at_most(Duration::from_secs(20));
        let stderr = command.stderr();
        assert_eq!(exit, Some(Some(2)), "{origin:?}: {stderr}");
        assert!(stderr.contains("invalid value"), "{origin:?}: {stderr}");
        assert!(stderr.contains("--frame-ancestors"), "{origin:?}: {stderr}");
        assert!(stderr.contains(expected), "{origin:?}: {stderr}");
        assert!(
            stderr.contains("such as https://dashboard.example.com"),
            "{origin:?}: {stderr}"
        );
        assert!(command.stdout().is_empty(), "{origin:?}");
    }
    assert!(
        !data_dir.exists(),
        "a rejected flag must stop the server before it creates the data directory"
    );
}
