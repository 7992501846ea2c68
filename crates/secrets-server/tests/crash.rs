//! Crash safety: a storm of creates and deletes against the real server,
//! which is killed with SIGKILL at a different moment in each round. After
//! each restart every acknowledged change is there, no unacknowledged
//! secret is half there, every stored value opens, and the event log
//! replays to the stored secrets.
//!
//! On PostgreSQL (`SECRETS_TEST_DATABASE_URL`) the server process is
//! killed, not the database server.
//!
//! NOTE: SIGKILL leaves the operating system's page cache intact, so this
//! test does not cover a power loss. That rests on SQLite's
//! `synchronous=FULL`, which the store sets on every connection, and on
//! PostgreSQL's `fsync` and `synchronous_commit`, on by default.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{add_member, fetch_sealing_key, issue_runner, sealed_request, Binary};
use futures::future::join_all;
use secrets_core::api::{StartedTask, TaskSecrets};
use secrets_core::sealed::SealingKey;

/// Rounds of the storm in the test command's short form.
const ROUNDS: u64 = 4;

/// Environment variable that sets the number of rounds, for the long form.
const ROUNDS_ENV: &str = "SECRETS_CRASH_ROUNDS";

/// Clients that send requests at the same time.
const WORKERS: usize = 6;

/// What the clients saw acknowledged: the value of each key whose create
/// returned 201, the keys whose delete was sent, and those whose delete
/// returned 204.
#[derive(Default)]
struct Acknowledged {
    created: BTreeMap<String, String>,
    delete_sent: Vec<String>,
    deleted: Vec<String>,
}

fn start(data_dir: &Path, dist_dir: &Path) -> (Binary, String) {
    let args = ["--write-burst", "100000", "--writes-per-minute", "100000"];
    Binary::serve_with_args(data_dir, dist_dir, &args, &[])
}

/// Creates keys `W{worker}_{n}` one after another, and deletes every
/// second one right after its create, until a request fails because the
/// server is gone. Records every acknowledged change.
async fn storm_worker(
    client: reqwest::Client,
    base_url: String,
    company: String,
    token: String,
    sealing_key: SealingKey,
    worker: usize,
    acknowledged: Arc<Mutex<Acknowledged>>,
) {
    for number in 0.. {
        let key = format!("W{worker}_{number}");
        let value = format!("value of {key} in a storm");
        let created = client
            .post(format!("{base_url}/api/v1/companies/{company}/secrets"))
            .bearer_auth(&token)
            .json(&sealed_request(&sealing_key, &key, &value))
            .send()
            .await;
        match created.map(|response| response.status().as_u16()) {
            Ok(201) => {}
            // The limit of 50 is reached; the kill ends the round.
            Ok(409) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
            Ok(status) => panic!("create {key}: status {status}"),
            Err(_) => return,
        }
        acknowledged
            .lock()
            .expect("lock")
            .created
            .insert(key.clone(), value);

        if number % 2 == 0 {
            acknowledged
                .lock()
                .expect("lock")
                .delete_sent
                .push(key.clone());
            let deleted = client
                .delete(format!(
                    "{base_url}/api/v1/companies/{company}/secrets/{key}"
                ))
                .bearer_auth(&token)
                .send()
                .await;
            match deleted.map(|response| response.status().as_u16()) {
                Ok(204) => acknowledged.lock().expect("lock").deleted.push(key),
                Ok(status) => panic!("delete {key}: status {status}"),
                Err(_) => return,
            }
        }
    }
}

/// Returns the values that a new task of `company` receives, by key.
async fn task_values(
    client: &reqwest::Client,
    base_url: &str,
    company: &str,
    runner_token: &str,
) -> BTreeMap<String, String> {
    let started: StartedTask = client
        .post(format!("{base_url}/api/v1/companies/{company}/tasks"))
        .bearer_auth(runner_token)
        .json(&serde_json::json!({}))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON task");
    let secrets: TaskSecrets = client
        .get(format!(
            "{base_url}/api/v1/tasks/{}/secrets",
            started.task_id
        ))
        .bearer_auth(started.task_token.as_str())
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON secrets");
    assert!(secrets.unreadable.is_empty(), "{:?}", secrets.unreadable);
    secrets
        .secrets
        .iter()
        .map(|secret| (secret.key.to_string(), secret.value.to_string()))
        .collect()
}

fn count(data_dir: &Path, sql: &str, company: &str) -> i64 {
    common::query_count(data_dir, sql, &[company])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn crash_keeps_acknowledged_changes() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = dir.path().join("data");
    let dist_dir = dir.path().join("dist");
    let client = reqwest::Client::new();

    let rounds = std::env::var(ROUNDS_ENV)
        .map(|text| text.parse().expect("SECRETS_CRASH_ROUNDS is a number"))
        .unwrap_or(ROUNDS);
    let mut acknowledged_changes = 0;
    for round in 0..rounds {
        // A company per round, so that each storm starts below the limit.
        let company = format!("crash{round}");
        let token = add_member(&data_dir, &company, "owner", &[]);
        let runner_token = issue_runner(&data_dir, &company, &[]);
        let (mut server, base_url) = start(&data_dir, &dist_dir);
        let sealing_key = fetch_sealing_key(&client, &base_url, &company, &token).await;

        // The storm, killed after a delay that differs from round to round.
        let acknowledged = Arc::new(Mutex::new(Acknowledged::default()));
        let workers = (0..WORKERS).map(|worker| {
            tokio::spawn(storm_worker(
                client.clone(),
                base_url.clone(),
                company.clone(),
                token.clone(),
                sealing_key.clone(),
                worker,
                Arc::clone(&acknowledged),
            ))
        });
        let workers: Vec<_> = workers.collect();
        tokio::time::sleep(Duration::from_millis(150 + 97 * (round % 8))).await;
        server.child.kill().expect("SIGKILL");
        server.child.wait().expect("wait for the killed server");
        for result in join_all(workers).await {
            result.expect("worker");
        }

        // After a restart, the stored state contains every acknowledged change.
        let (_restarted, base_url) = start(&data_dir, &dist_dir);
        let values = task_values(&client, &base_url, &company, &runner_token).await;
        let acknowledged = acknowledged.lock().expect("lock");
        acknowledged_changes += acknowledged.created.len() + acknowledged.deleted.len();
        for (key, value) in &acknowledged.created {
            if acknowledged.deleted.contains(key) {
                assert!(
                    !values.contains_key(key),
                    "round {round}: deleted {key} came back"
                );
            } else if acknowledged.delete_sent.contains(key) {
                // The kill came before the delete's response, so the delete
                // may or may not have happened. A secret still stored must
                // be whole.
                if let Some(stored) = values.get(key) {
                    assert_eq!(stored, value, "round {round}: {key}");
                }
            } else {
                assert_eq!(values.get(key), Some(value), "round {round}: {key}");
            }
        }
        // A secret whose create was not acknowledged may be stored, but
        // only whole: with its value, which the task received above.
        let stored = count(
            &data_dir,
            "SELECT COUNT(*) FROM secrets WHERE company_id = ?1",
            &company,
        );
        assert_eq!(stored as usize, values.len(), "round {round}");
        let added = count(
            &data_dir,
            "SELECT COUNT(*) FROM activity_events WHERE company_id = ?1 AND action = 'added'",
            &company,
        );
        let removed = count(
            &data_dir,
            "SELECT COUNT(*) FROM activity_events WHERE company_id = ?1 AND action = 'removed'",
            &company,
        );
        assert_eq!(
            added - removed,
            stored,
            "round {round}: added {added}, removed {removed}"
        );
        assert!(
            added > 0,
            "round {round}: nothing was created before the kill"
        );
    }
    println!("{rounds} kills, {acknowledged_changes} acknowledged changes found intact");
}
