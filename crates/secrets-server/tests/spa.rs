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
