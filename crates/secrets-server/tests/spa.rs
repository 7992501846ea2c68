//! The SPA's files, served beside the API on the same address.

mod common;

use common::TestServer;

async fn server_with_dist() -> TestServer {
    let dir = tempfile::tempdir().expect("temporary directory");
    let dist_dir = dir.path().join("dist");
    std::fs::create_dir_all(dist_dir.join("assets")).expect("dist dir");
    std::fs::write(
        dist_dir.join("index.html"),
        "<!doctype html><title>Secrets SPA</title>",
    )
    .expect("index");
    std::fs::write(dist_dir.join("assets/app.js"), "console.log('app');").expect("asset");
    TestServer::start_in(dir, dist_dir).await
}

#[tokio::test]
async fn spa_client_route_gets_index() {
    let server = server_with_dist().await;

    for path in ["/companies/acme/settings/secrets", "/", "/anything/else"] {
        let response = server.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert!(
            response.text().await.expect("text").contains("Secrets SPA"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn spa_asset_served() {
    let server = server_with_dist().await;

    let response = server.get("/assets/app.js").await;

    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .expect("ASCII")
        .contains("javascript"));
    assert_eq!(response.text().await.expect("text"), "console.log('app');");
}

#[tokio::test]
async fn spa_missing_asset_not_found() {
    let server = server_with_dist().await;

    let response = server.get("/assets/missing.js").await;

    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn spa_api_path_stays_json() {
    let server = server_with_dist().await;

    let response = server.get("/api/v1/nope").await;

    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["content-type"], "application/json");
}

#[tokio::test]
async fn spa_not_built_page() {
    let server = TestServer::start().await;

    let response = server.get("/companies/acme/settings/secrets").await;

    assert_eq!(response.status(), 503);
    let page = response.text().await.expect("text");
    assert!(page.contains("The web app is not built"), "{page}");
    assert!(page.contains("--dist-dir"), "{page}");
}

#[tokio::test]
async fn spa_index_sent_without_validators() {
    let server = server_with_dist().await;
    let long_ago = "Thu, 01 Jan 1970 00:00:01 GMT";
    let far_future = "Fri, 01 Jan 2100 00:00:00 GMT";

    for path in ["/", "/index.html", "/companies/acme/settings/secrets"] {
        let response = server.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers().get("last-modified"), None, "{path}");
        assert_eq!(response.headers().get("etag"), None, "{path}");
        assert_eq!(response.headers()["cache-control"], "no-cache", "{path}");

        // A browser that kept a validator gets the whole page again, so
        // that the response's policy contains the hashes of its scripts.
        let revalidated = server
            .client
            .get(server.url(path))
            .header("if-modified-since", far_future)
            .header("if-none-match", "\"stale\"")
            .send()
            .await
            .expect("sent");
        assert_eq!(revalidated.status(), 200, "{path}");
        assert!(
            revalidated
                .text()
                .await
                .expect("text")
                .contains("Secrets SPA"),
            "{path}"
        );
    }

    // Assets keep their validators and their 304 responses.
    let asset = server.get("/assets/app.js").await;
    assert!(asset.headers().contains_key("last-modified"));
    for (since, status) in [(far_future, 304), (long_ago, 200)] {
        let response = server
            .client
            .get(server.url("/assets/app.js"))
            .header("if-modified-since", since)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), status, "modified since {since}");
    }
}

/// Serves a dist directory laid out as trunk and its post_build hook write
/// it: hashed module, WebAssembly and stylesheet, the shells' stable entry
/// under `embed/`, and the demo shell under `demo/`.
async fn server_with_embed_files() -> TestServer {
    let dir = tempfile::tempdir().expect("temporary directory");
    let dist_dir = dir.path().join("dist");
    for directory in ["embed", "demo"] {
        std::fs::create_dir_all(dist_dir.join(directory)).expect("dist dir");
    }
    let files = [
        ("index.html", "<!doctype html><title>Secrets SPA</title>"),
        ("secrets-section-81dcddac8a0faac0.js", "export default 1;"),
        ("secrets-section-81dcddac8a0faac0_bg.wasm", "\0asm"),
        ("section-9b7668f521dbe4d2.css", ".secrets-root {}"),
        (
            "embed/secrets-section.js",
            "export { mount } from '../x.js';",
        ),
        ("embed/secrets-section.css", ".secrets-root {}"),
        (
            "demo/index.html",
            "<!doctype html><title>Demo shell</title>",
        ),
        ("demo/shell.js", "import '../embed/secrets-section.js';"),
    ];
    for (path, content) in files {
        std::fs::write(dist_dir.join(path), content).expect("write file");
    }
    TestServer::start_in(dir, dist_dir).await
}

#[tokio::test]
async fn spa_stable_names_revalidated() {
    let server = server_with_embed_files().await;
    let far_future = "Fri, 01 Jan 2100 00:00:00 GMT";

    for path in [
        "/embed/secrets-section.js",
        "/embed/secrets-section.css",
        "/demo/",
        "/demo/shell.js",
    ] {
        let response = server.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["cache-control"], "no-cache", "{path}");
    }

    // Revalidating an unchanged entry gets a 304, which keeps the header.
    let revalidated = server
        .client
        .get(server.url("/embed/secrets-section.js"))
        .header("if-modified-since", far_future)
        .send()
        .await
        .expect("sent");
    assert_eq!(revalidated.status(), 304);
    assert_eq!(revalidated.headers()["cache-control"], "no-cache");
}

#[tokio::test]
async fn spa_hashed_names_cached_as_immutable() {
    let server = server_with_embed_files().await;

    for path in [
        "/secrets-section-81dcddac8a0faac0.js",
        "/secrets-section-81dcddac8a0faac0_bg.wasm",
        "/section-9b7668f521dbe4d2.css",
    ] {
        let response = server.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(
            response.headers()["cache-control"],
            "public, max-age=31536000, immutable",
            "{path}"
        );
    }
}

#[tokio::test]
async fn spa_precompressed_copy_sent_when_accepted() {
    let server = server_with_dist().await;
    let assets = server.dir.path().join("dist/assets");
    // The server sends the stored bytes as they are, so markers stand in
    // for real compressed files.
    std::fs::write(assets.join("app.js.br"), "brotli copy").expect("write .br");
    std::fs::write(assets.join("app.js.gz"), "gzip copy").expect("write .gz");

    let cases = [
        (Some("gzip, deflate, br"), Some("br"), "brotli copy"),
        (Some("gzip"), Some("gzip"), "gzip copy"),
        (Some("identity"), None, "console.log('app');"),
        (None, None, "console.log('app');"),
    ];
    for (accepted, expected_encoding, expected_body) in cases {
        let mut request = server.client.get(server.url("/assets/app.js"));
        if let Some(accepted) = accepted {
            request = request.header("accept-encoding", accepted);
        }
        let response = request.send().await.expect("sent");

        assert_eq!(response.status(), 200, "{accepted:?}");
        let encoding = response
            .headers()
            .get("content-encoding")
            .map(|value| value.to_str().expect("ASCII").to_owned());
        assert_eq!(encoding.as_deref(), expected_encoding, "{accepted:?}");
        assert!(response.headers()["content-type"]
            .to_str()
            .expect("ASCII")
            .contains("javascript"));
        assert_eq!(
            response.text().await.expect("text"),
            expected_body,
            "{accepted:?}"
        );
    }
}

/// A shared cache in front of the server stores one response per URL
/// unless `Vary` names the request headers that chose it. Without
/// `Vary: Accept-Encoding`, a proxy that stored the brotli copy of an
/// immutable file would send it for a year to clients that cannot decode
/// it (RFC 9110, section 12.5.5).
#[tokio::test]
async fn spa_compressed_files_vary_on_encoding() {
    let server = server_with_dist().await;
    let assets = server.dir.path().join("dist/assets");
    std::fs::write(assets.join("app.js.br"), "brotli copy").expect("write .br");
    std::fs::write(assets.join("app.js.gz"), "gzip copy").expect("write .gz");
    let far_future = "Fri, 01 Jan 2100 00:00:00 GMT";

    for accepted in ["br", "gzip", "identity"] {
        let response = server
            .client
            .get(server.url("/assets/app.js"))
            .header("accept-encoding", accepted)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 200, "{accepted}");
        assert_vary_names_accept_encoding(&response, accepted);

        let revalidated = server
            .client
            .get(server.url("/assets/app.js"))
            .header("accept-encoding", accepted)
            .header("if-modified-since", far_future)
            .send()
            .await
            .expect("sent");
        assert_eq!(revalidated.status(), 304, "{accepted}");
        assert_vary_names_accept_encoding(&revalidated, accepted);
    }
}

fn assert_vary_names_accept_encoding(response: &reqwest::Response, accepted: &str) {
    let vary: Vec<String> = response
        .headers()
        .get_all("vary")
        .iter()
        .flat_map(|value| value.to_str().expect("ASCII").split(','))
        .map(|name| name.trim().to_ascii_lowercase())
        .collect();
    assert!(
        vary.iter().any(|name| name == "accept-encoding"),
        "Accept-Encoding: {accepted}, status {}, Vary: {vary:?}",
        response.status()
    );
}

#[tokio::test]
async fn spa_demo_page_served() {
    let server = server_with_embed_files().await;

    let response = server.get("/demo/").await;

    assert_eq!(response.status(), 200);
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .expect("ASCII")
        .to_owned();
    assert!(policy.contains("script-src 'self'"), "{policy}");
    assert!(!policy.contains("'unsafe-inline'"), "{policy}");
    assert!(response.text().await.expect("text").contains("Demo shell"));
}
