//! Client routes whose path the file system cannot look up: a segment
//! longer than a file name may be (255 bytes on Linux) or a path longer
//! than a path may be (4096 bytes).

mod common;

use common::TestServer;

#[tokio::test]
async fn spa_long_client_route_gets_index() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let dist_dir = dir.path().join("dist");
    std::fs::create_dir_all(&dist_dir).expect("dist dir");
    std::fs::write(
        dist_dir.join("index.html"),
        "<!doctype html><title>Secrets SPA</title>",
    )
    .expect("index");
    let server = TestServer::start_in(dir, dist_dir).await;

    let long_segment = format!("/{}", "a".repeat(300));
    let long_path = "/a".repeat(2_100);
    for path in [long_segment, long_path] {
        let response = server.get(&path).await;

        assert_eq!(
            response.status(),
            200,
            "path of {} bytes, longest segment {} bytes",
            path.len(),
            path.split('/').map(str::len).max().unwrap_or(0)
        );
        let body = response.text().await.expect("text");
        assert!(body.contains("Secrets SPA"), "{body}");
    }
}
