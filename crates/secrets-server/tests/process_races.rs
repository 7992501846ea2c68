//! Races between two real server processes on one data directory, or on
//! one PostgreSQL database when the tests run on PostgreSQL. The secret
//! limit and key uniqueness hold across processes, because each check and
//! its insert run in one write transaction that takes the database's
//! write lock first.

mod common;

use std::path::Path;

use common::{add_member, fetch_sealing_key, sealed_request, Binary};
use futures::future::join_all;
use serde_json::Value;

/// Starts two servers on `data_dir` with a write limit that lets one
/// member send every request of these tests at once.
fn start_two(data_dir: &Path, dist_dir: &Path) -> [(Binary, String); 2] {
    let args = ["--write-burst", "200", "--writes-per-minute", "200"];
    [
        Binary::serve_with_args(data_dir, dist_dir, &args, &[]),
        Binary::serve_with_args(data_dir, dist_dir, &args, &[]),
    ]
}

/// Sends every body to the two servers in turn, all at once, and returns
/// the status and error code of each response.
async fn create_all(
    client: &reqwest::Client,
    base_urls: [&str; 2],
    token: &str,
    bodies: &[Value],
) -> Vec<(u16, String)> {
    let requests = bodies.iter().enumerate().map(|(index, body)| {
        let url = format!("{}/api/v1/companies/acme/secrets", base_urls[index % 2]);
        async move {
            let response = client
                .post(url)
                .bearer_auth(token)
                .json(body)
                .send()
                .await
                .expect("sent");
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap_or_default();
            (status, body["code"].as_str().unwrap_or_default().to_owned())
        }
    });
    join_all(requests).await
}

/// Returns how many of `results` have `status` and the error `code`,
/// which is empty for a success.
fn responses_with(results: &[(u16, String)], status: u16, code: &str) -> usize {
    results
        .iter()
        .filter(|(result_status, result_code)| *result_status == status && result_code == code)
        .count()
}

fn count(data_dir: &Path, sql: &str) -> i64 {
    common::query_count(data_dir, sql, &[])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn race_two_processes_stop_at_limit() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = dir.path().join("data");
    let token = add_member(&data_dir, "acme", "owner", &[]);
    let [(_first, first_url), (_second, second_url)] =
        start_two(&data_dir, &dir.path().join("dist"));
    let client = reqwest::Client::new();
    let sealing_key = fetch_sealing_key(&client, &first_url, "acme", &token).await;
    let bodies: Vec<Value> = (0..100)
        .map(|index| sealed_request(&sealing_key, &format!("KEY_{index:03}"), "v"))
        .collect();

    let results = create_all(&client, [&first_url, &second_url], &token, &bodies).await;

    assert_eq!(responses_with(&results, 201, ""), 50, "{results:?}");
    assert_eq!(
        responses_with(&results, 409, "limit_reached"),
        50,
        "{results:?}"
    );
    assert_eq!(count(&data_dir, "SELECT COUNT(*) FROM secrets"), 50);
    assert_eq!(
        count(
            &data_dir,
            "SELECT COUNT(*) FROM activity_events WHERE action = 'added'"
        ),
        50
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn race_two_processes_same_key_once() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = dir.path().join("data");
    let token = add_member(&data_dir, "acme", "owner", &[]);
    let [(_first, first_url), (_second, second_url)] =
        start_two(&data_dir, &dir.path().join("dist"));
    let client = reqwest::Client::new();
    let sealing_key = fetch_sealing_key(&client, &second_url, "acme", &token).await;
    let bodies: Vec<Value> = (0..20)
        .map(|index| sealed_request(&sealing_key, "SAME_KEY", &format!("value {index}")))
        .collect();

    let results = create_all(&client, [&first_url, &second_url], &token, &bodies).await;

    assert_eq!(responses_with(&results, 201, ""), 1, "{results:?}");
    assert_eq!(
        responses_with(&results, 409, "duplicate_key"),
        19,
        "{results:?}"
    );
    assert_eq!(count(&data_dir, "SELECT COUNT(*) FROM secrets"), 1);
    assert_eq!(count(&data_dir, "SELECT COUNT(*) FROM activity_events"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn race_two_processes_delete_and_create() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = dir.path().join("data");
    let token = add_member(&data_dir, "acme", "owner", &[]);
    let [(_first, first_url), (_second, second_url)] =
        start_two(&data_dir, &dir.path().join("dist"));
    let client = reqwest::Client::new();
    let sealing_key = fetch_sealing_key(&client, &first_url, "acme", &token).await;

    // Each round creates the key on one process while the other deletes it.
    for round in 0..30 {
        let bodies = [sealed_request(
            &sealing_key,
            "FLIPPING_KEY",
            &format!("value {round}"),
        )];
        let create = create_all(&client, [&first_url, &second_url], &token, &bodies);
        let delete = client
            .delete(format!(
                "{second_url}/api/v1/companies/acme/secrets/FLIPPING_KEY"
            ))
            .bearer_auth(&token)
            .send();
        let (created, deleted) = tokio::join!(create, delete);
        assert!(matches!(created[0].0, 201 | 409), "{created:?}");
        let deleted = deleted.expect("sent").status().as_u16();
        assert!(matches!(deleted, 204 | 404), "{deleted}");
    }

    // The event log replays to the stored state: every stored secret has
    // its added event, and no removal lacks the addition before it.
    let stored = count(&data_dir, "SELECT COUNT(*) FROM secrets");
    let added = count(
        &data_dir,
        "SELECT COUNT(*) FROM activity_events WHERE action = 'added'",
    );
    let removed = count(
        &data_dir,
        "SELECT COUNT(*) FROM activity_events WHERE action = 'removed'",
    );
    assert_eq!(added - removed, stored, "added {added}, removed {removed}");
    assert!(stored <= 1, "{stored}");
    assert!(added >= 1, "no create succeeded");
}
