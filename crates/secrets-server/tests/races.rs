//! Concurrent creates: the limit and key uniqueness hold.

mod common;

use common::{new_secret, sealed_request, statuses_and_codes, TestServer};
use futures::future::join_all;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn race_hundred_creates_stop_at_limit() {
    let server = TestServer::start().await;
    // Two members, so that each stays within its write rate limit.
    let tokens = [
        server.api_token("acme", "owner"),
        server.api_token("acme", "second"),
    ];

    let sealing_key = server.sealing_key(&tokens[0], "acme").await;
    let requests = (0..100).map(|index| {
        let body = sealed_request(&sealing_key, &format!("KEY_{index:03}"), "v");
        let (server, token) = (&server, &tokens[index % 2]);
        async move { server.create(token, "acme", &body).await }
    });
    let results = statuses_and_codes(join_all(requests).await).await;

    let created = results.iter().filter(|(status, _)| *status == 201).count();
    let limited = results
        .iter()
        .filter(|(status, code)| *status == 409 && code == "limit_reached")
        .count();
    assert_eq!(created, 50);
    assert_eq!(limited, 50);
    assert_eq!(server.count("SELECT COUNT(*) FROM secrets"), 50);
    assert_eq!(
        server.count("SELECT COUNT(*) FROM activity_events WHERE action = 'added'"),
        50
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn race_same_key_created_once() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");

    let sealing_key = server.sealing_key(&token, "acme").await;
    let requests = (0..20).map(|index| {
        let body = sealed_request(&sealing_key, "SHARED_KEY", &format!("value {index}"));
        let (server, token) = (&server, &token);
        async move { server.create(token, "acme", &body).await }
    });
    let results = statuses_and_codes(join_all(requests).await).await;

    let created = results.iter().filter(|(status, _)| *status == 201).count();
    let duplicates = results
        .iter()
        .filter(|(status, code)| *status == 409 && code == "duplicate_key")
        .count();
    assert_eq!(created, 1);
    assert_eq!(duplicates, 19);
    assert_eq!(server.count("SELECT COUNT(*) FROM secrets"), 1);
    assert_eq!(server.count("SELECT COUNT(*) FROM activity_events"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn race_two_servers_one_file() {
    // A second store on the same file simulates a second process, because it has
    // its own connections and its own in-process write mutex.
    let first = TestServer::start().await;
    let second_store =
        common::open_store(&first.dir.path().join("data"), common::test_master_key());
    let member = first.member("acme", "owner");
    let token = first.api_token("acme", "owner");

    let second_store = std::sync::Arc::new(second_store);
    let direct = (0..50).map(|index| {
        let (store, member) = (std::sync::Arc::clone(&second_store), member.clone());
        let company = secrets_core::CompanyId::parse("acme").expect("valid company");
        tokio::task::spawn_blocking(move || {
            let secret = new_secret(&store, "acme", &format!("DIRECT_{index:02}"), "v");
            store.create_secret(&company, &member, &secret).is_ok()
        })
    });
    let sealing_key = first.sealing_key(&token, "acme").await;
    let over_http = (0..50).map(|index| {
        let body = sealed_request(&sealing_key, &format!("HTTP_{index:02}"), "v");
        let (server, token) = (&first, &token);
        async move { server.create(token, "acme", &body).await.status() == 201 }
    });
    let (direct, over_http) = tokio::join!(join_all(direct), join_all(over_http));

    let created = direct
        .into_iter()
        .filter(|result| *result.as_ref().expect("task"))
        .count()
        + over_http.into_iter().filter(|created| *created).count();
    assert_eq!(created, 50);
    assert_eq!(first.count("SELECT COUNT(*) FROM secrets"), 50);
}
