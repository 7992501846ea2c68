//! Runners start tasks, and tasks read a snapshot of their company's
//! secrets with the values opened. The tests cover the snapshot, byte-exact
//! values, which token reads which task, finish, expiry, revoked runners,
//! last use, values that cannot be opened, and the rate limit on task
//! starts.

mod common;

use std::time::Duration;

use common::{assert_error, issue_runner, seal_bytes, values_by_key, Binary, TestServer};
use secrets_core::api::{SecretList, StartedTask, TaskCatalog};
use secrets_core::CompanyId;
use secrets_server::TaskRateLimit;
use serde_json::{json, Value};

const TASK_UNAUTHORIZED: &str = "This request has no valid task token for this task. The task may have finished or expired; start a new task.";
const RUNNER_MISSING: &str = "Starting a task needs a runner token in an Authorization: Bearer header. An operator issues one with `secrets-server runner issue`.";
const RUNNER_MEMBER_TOKEN: &str = "This is a member's API token, but starting a task needs a runner token. An operator issues one with `secrets-server runner issue`.";
const RUNNER_INVALID: &str = "The runner token is invalid or was revoked. An operator issues a new one with `secrets-server runner issue`.";
const COMPANY_NOT_FOUND: &str = "No company with this ID was found.";

/// The task routes, each with the task token of the request.
const TASK_ROUTES: [&str; 3] = ["secrets", "catalog", "finish"];

async fn delete(server: &TestServer, token: &str, company: &str, key: &str) {
    let response = server
        .client
        .delete(server.url(&format!("/api/v1/companies/{company}/secrets/{key}")))
        .bearer_auth(token)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 204, "delete {key}");
}

async fn list(server: &TestServer, token: &str, company: &str) -> SecretList {
    let response = server
        .client
        .get(server.secrets_url(company))
        .bearer_auth(token)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    response.json().await.expect("JSON list")
}

/// Asserts that every task route rejects `token` for `task_id` with the
/// same 401.
async fn assert_task_routes_reject(server: &TestServer, task_id: &str, token: &str) {
    for route in TASK_ROUTES {
        let response = server.task_request(route, task_id, token).await;
        assert_eq!(response.headers()["cache-control"], "no-store", "{route}");
        assert_error(response, 401, "unauthorized", TASK_UNAUTHORIZED).await;
    }
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
        .collect()
}

#[tokio::test]
async fn task_snapshot_survives_changes() {
    let server = TestServer::start().await;
    let owner = server.api_token("acme", "owner");
    let runner = server.runner_token("acme", "agents");
    server.create_ok(&owner, "acme", "KEY_A", "v1").await;
    server.create_ok(&owner, "acme", "KEY_B", "b").await;

    let first = server.start_task_ok(&runner, "acme").await;
    delete(&server, &owner, "acme", "KEY_A").await;
    server.create_ok(&owner, "acme", "KEY_A", "v2").await;

    let first_values = values_by_key(&server.task_secrets(&first).await);
    assert_eq!(first_values, pairs(&[("KEY_A", "v1"), ("KEY_B", "b")]));
    let second = server.start_task_ok(&runner, "acme").await;
    let second_values = values_by_key(&server.task_secrets(&second).await);
    assert_eq!(second_values, pairs(&[("KEY_A", "v2"), ("KEY_B", "b")]));

    delete(&server, &owner, "acme", "KEY_A").await;
    let third = server.start_task_ok(&runner, "acme").await;
    let third_values = values_by_key(&server.task_secrets(&third).await);
    assert_eq!(third_values, pairs(&[("KEY_B", "b")]));
    // The first task still reads the values it started with.
    let first_again = values_by_key(&server.task_secrets(&first).await);
    assert_eq!(first_again, first_values);
}

#[tokio::test]
async fn task_values_byte_exact() {
    let server = TestServer::start().await;
    let owner = server.api_token("acme", "owner");
    let runner = server.runner_token("acme", "agents");
    let pem = "-----BEGIN PRIVATE KEY-----\nMIIBVAIBADANBgkqhkiG9w0BAQEFAASCAT4wggE6AgEAAkEA\n-----END PRIVATE KEY-----\n";
    let largest = format!("{}é", "x".repeat(32_766));
    let values = [
        ("LARGEST", largest.as_str()),
        ("LEADING_SPACES", "   padded"),
        ("MULTIBYTE", "Grüße 日本語 🔑"),
        ("PEM", pem),
        ("CONTROL", "tab\there\r\nand \"quotes\" \\ \u{1}"),
    ];
    assert_eq!(pem.lines().count(), 3);
    assert_eq!(largest.len(), 32_768);
    for (key, value) in values {
        server.create_ok(&owner, "acme", key, value).await;
    }

    let task = server.start_task_ok(&runner, "acme").await;
    let secrets = server.task_secrets(&task).await;

    let mut expected = pairs(&values);
    expected.sort();
    let received = values_by_key(&secrets);
    assert_eq!(received.len(), expected.len());
    for ((key, value), (expected_key, expected_value)) in received.iter().zip(&expected) {
        assert_eq!(key, expected_key);
        assert_eq!(value.as_bytes(), expected_value.as_bytes(), "{key}");
    }
}

#[tokio::test]
async fn task_catalog_lists_keys_only() {
    let server = TestServer::start().await;
    let owner = server.api_token("acme", "owner");
    let runner = server.runner_token("acme", "agents");
    let mut request = server
        .sealed_request(&owner, "acme", "STRIPE_KEY", "sk_catalog_value")
        .await;
    request["description"] = json!("For payments");
    assert_eq!(server.create(&owner, "acme", &request).await.status(), 201);
    server.create_ok(&owner, "acme", "API_KEY", "v").await;

    let task = server.start_task_ok(&runner, "acme").await;
    let response = server
        .task_request("catalog", &task.task_id, &task.task_token)
        .await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let text = response.text().await.expect("body");
    assert!(!text.contains("sk_catalog_value"), "{text}");
    let catalog: TaskCatalog = serde_json::from_str(&text).expect("JSON catalog");
    let entries: Vec<(&str, &str)> = catalog
        .secrets
        .iter()
        .map(|entry| (entry.key.as_str(), entry.description.as_str()))
        .collect();
    assert_eq!(entries, [("API_KEY", ""), ("STRIPE_KEY", "For payments")]);
}

#[tokio::test]
async fn task_start_returns_token_once() {
    let server = TestServer::start().await;
    let owner = server.api_token("acme", "owner");
    server.create_ok(&owner, "acme", "KEY_A", "v").await;
    let runner = server.runner_token("acme", "agents");

    let response = server.start_task(&runner, "acme").await;

    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let task: StartedTask = response.json().await.expect("JSON task");
    assert_eq!(task.task_id.len(), 32);
    assert!(task.task_id.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(task.task_token.len(), 64);
    assert!(task.expires_at.ends_with('Z'), "{}", task.expires_at);
    // Only the token's hash is stored.
    let database_text: String = server
        .database()
        .query_row("SELECT token_hash FROM tasks", [], |row| row.get(0))
        .expect("task row");
    assert_ne!(database_text, *task.task_token);
    let snapshot = server.count("SELECT COUNT(*) FROM task_secrets");
    assert_eq!(snapshot, 1);
}

#[tokio::test]
async fn task_token_reads_only_its_task() {
    let server = TestServer::start().await;
    let acme_owner = server.api_token("acme", "owner");
    let beta_owner = server.api_token("beta", "owner");
    server.create_ok(&acme_owner, "acme", "KEY_A", "acme").await;
    server.create_ok(&beta_owner, "beta", "KEY_A", "beta").await;
    let acme_runner = server.runner_token("acme", "agents");
    let beta_runner = server.runner_token("beta", "agents");

    let first = server.start_task_ok(&acme_runner, "acme").await;
    let second = server.start_task_ok(&acme_runner, "acme").await;
    let beta_task = server.start_task_ok(&beta_runner, "beta").await;

    // Another task's token, of the same or another company, an unknown
    // task and a member's token all get the same 401.
    assert_task_routes_reject(&server, &second.task_id, &first.task_token).await;
    assert_task_routes_reject(&server, &beta_task.task_id, &first.task_token).await;
    assert_task_routes_reject(&server, &first.task_id, &beta_task.task_token).await;
    assert_task_routes_reject(&server, &"0".repeat(32), &first.task_token).await;
    assert_task_routes_reject(&server, &first.task_id, &acme_owner).await;
    assert_task_routes_reject(&server, &first.task_id, &acme_runner).await;

    // Each task still reads its own snapshot.
    let values = values_by_key(&server.task_secrets(&first).await);
    assert_eq!(values, pairs(&[("KEY_A", "acme")]));
    let values = values_by_key(&server.task_secrets(&beta_task).await);
    assert_eq!(values, pairs(&[("KEY_A", "beta")]));
}

#[tokio::test]
async fn task_routes_ignore_cookies() {
    let server = TestServer::start().await;
    let owner = server.api_token("acme", "owner");
    server.create_ok(&owner, "acme", "KEY_A", "v").await;
    let runner = server.runner_token("acme", "agents");
    let task = server.start_task_ok(&runner, "acme").await;
    let session = server.token(
        "acme",
        "owner",
        secrets_server::store::CredentialKind::Session,
    );
    let cookie = format!("secrets_session={session}");

    // A member's session reads no task and starts none.
    let response = server
        .client
        .get(server.url(&format!("/api/v1/tasks/{}/secrets", task.task_id)))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("sent");
    assert_error(response, 401, "unauthorized", TASK_UNAUTHORIZED).await;
    let response = server
        .client
        .post(server.url("/api/v1/companies/acme/tasks"))
        .header("cookie", &cookie)
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .expect("sent");
    assert_error(response, 401, "unauthorized", RUNNER_MISSING).await;

    // A task token with a cookie beside it works as without one.
    let response = server
        .client
        .get(server.url(&format!("/api/v1/tasks/{}/secrets", task.task_id)))
        .bearer_auth(&*task.task_token)
        .header("cookie", &cookie)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);

    // Two Authorization headers are ambiguous.
    let response = server
        .client
        .get(server.url(&format!("/api/v1/tasks/{}/secrets", task.task_id)))
        .header("authorization", format!("Bearer {}", &*task.task_token))
        .header("authorization", format!("Bearer {}", &*task.task_token))
        .send()
        .await
        .expect("sent");
    assert_error(response, 401, "unauthorized", TASK_UNAUTHORIZED).await;
}

#[tokio::test]
async fn finished_task_rejected() {
    let server = TestServer::start().await;
    let owner = server.api_token("acme", "owner");
    server.create_ok(&owner, "acme", "KEY_A", "v").await;
    let runner = server.runner_token("acme", "agents");
    let task = server.start_task_ok(&runner, "acme").await;
    let other = server.start_task_ok(&runner, "acme").await;

    let response = server
        .task_request("finish", &task.task_id, &task.task_token)
        .await;

    assert_eq!(response.status(), 204);
    assert_task_routes_reject(&server, &task.task_id, &task.task_token).await;
    let snapshot = format!(
        "SELECT COUNT(*) FROM task_secrets WHERE task_id = '{}'",
        task.task_id
    );
    assert_eq!(server.count(&snapshot), 0);
    let finished = format!(
        "SELECT COUNT(*) FROM tasks WHERE id = '{}' AND finished_at IS NOT NULL",
        task.task_id
    );
    assert_eq!(server.count(&finished), 1);
    // The other task runs on.
    assert_eq!(server.task_secrets(&other).await.secrets.len(), 1);
}

#[tokio::test]
async fn expired_task_rejected() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = dir.path().join("data");
    let owner = common::add_member(&data_dir, "acme", "owner", &[]);
    let runner = issue_runner(&data_dir, "acme", &[]);
    // Expiry is counted in whole seconds, so a lifetime of 2 seconds lets
    // the first read come at least 1 second before it.
    let (mut server, base_url) = Binary::serve_with_args(
        &data_dir,
        &dir.path().join("dist"),
        &["--task-lifetime", "2"],
        &[],
    );
    let client = reqwest::Client::new();
    let public_key: secrets_core::api::PublicKeyResponse = client
        .get(format!("{base_url}/api/v1/companies/acme/public-key"))
        .bearer_auth(&owner)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON public key");
    let create = json!({
        "key": "KEY_A",
        "sealed_value": seal_bytes(&public_key, b"v"),
        "key_id": public_key.key_id,
    });
    let response = client
        .post(format!("{base_url}/api/v1/companies/acme/secrets"))
        .bearer_auth(&owner)
        .json(&create)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 201);
    let start = || {
        client
            .post(format!("{base_url}/api/v1/companies/acme/tasks"))
            .bearer_auth(&runner)
            .send()
    };
    let task: StartedTask = start()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON task");
    let read = |route: &str| {
        client
            .get(format!("{base_url}/api/v1/tasks/{}/{route}", task.task_id))
            .bearer_auth(&*task.task_token)
            .send()
    };
    assert_eq!(read("secrets").await.expect("sent").status(), 200);

    tokio::time::sleep(Duration::from_secs(3)).await;

    for route in ["secrets", "catalog"] {
        let response = read(route).await.expect("sent");
        assert_error(response, 401, "unauthorized", TASK_UNAUTHORIZED).await;
    }
    let finish = client
        .post(format!("{base_url}/api/v1/tasks/{}/finish", task.task_id))
        .bearer_auth(&*task.task_token)
        .send()
        .await
        .expect("sent");
    assert_error(finish, 401, "unauthorized", TASK_UNAUTHORIZED).await;

    // The next task start deletes the expired task's snapshot.
    let database = rusqlite::Connection::open(data_dir.join("secrets.db")).expect("open database");
    let snapshot_rows = || -> i64 {
        database
            .query_row(
                "SELECT COUNT(*) FROM task_secrets WHERE task_id = ?1",
                [&task.task_id],
                |row| row.get(0),
            )
            .expect("count")
    };
    assert_eq!(snapshot_rows(), 1);
    assert_eq!(start().await.expect("sent").status(), 201);
    assert_eq!(snapshot_rows(), 0);
    assert_eq!(server.terminate(), Some(0));
}

#[tokio::test]
async fn runner_of_other_company_not_found() {
    let server = TestServer::start().await;
    server.member("beta", "owner");
    let runner = server.runner_token("acme", "agents");

    for company in ["beta", "unknown", "Not_Valid"] {
        let response = server.start_task(&runner, company).await;
        assert_error(response, 404, "not_found", COMPANY_NOT_FOUND).await;
    }
    assert_eq!(server.count("SELECT COUNT(*) FROM tasks"), 0);
    assert_eq!(server.start_task(&runner, "acme").await.status(), 201);
}

#[tokio::test]
async fn task_start_needs_runner_token() {
    let server = TestServer::start().await;
    let member = server.api_token("acme", "owner");

    let response = server.start_task(&member, "acme").await;
    assert_error(response, 401, "unauthorized", RUNNER_MEMBER_TOKEN).await;
    let response = server.start_task(&"ab".repeat(32), "acme").await;
    assert_error(response, 401, "unauthorized", RUNNER_INVALID).await;
    let response = server
        .client
        .post(server.url("/api/v1/companies/acme/tasks"))
        .send()
        .await
        .expect("sent");
    assert_error(response, 401, "unauthorized", RUNNER_MISSING).await;
    let response = server
        .client
        .post(server.url("/api/v1/companies/acme/tasks"))
        .header("authorization", "Basic YTpi")
        .send()
        .await
        .expect("sent");
    assert_error(response, 401, "unauthorized", RUNNER_MISSING).await;

    assert_eq!(server.count("SELECT COUNT(*) FROM tasks"), 0);
}

#[tokio::test]
async fn revoked_runner_rejected() {
    let server = TestServer::start().await;
    let owner = server.api_token("acme", "owner");
    server.create_ok(&owner, "acme", "KEY_A", "v").await;
    let company = CompanyId::parse("acme").expect("valid");
    let name = secrets_server::store::RunnerName::parse("agents").expect("valid");
    let (id, runner) = server
        .store()
        .issue_runner(&company, &name)
        .expect("issue runner");
    let runner = runner.expose().to_owned();
    let other_runner = server.runner_token("acme", "other");
    let task = server.start_task_ok(&runner, "acme").await;
    let other_task = server.start_task_ok(&other_runner, "acme").await;

    let revoked = server.store().revoke_runner(id).expect("revoke");

    assert!(!revoked.already_revoked);
    assert_eq!(revoked.tasks_ended, 1);
    let response = server.start_task(&runner, "acme").await;
    assert_error(response, 401, "unauthorized", RUNNER_INVALID).await;
    assert_task_routes_reject(&server, &task.task_id, &task.task_token).await;
    // Another runner of the company and its task work on.
    assert_eq!(server.task_secrets(&other_task).await.secrets.len(), 1);
    assert_eq!(server.start_task(&other_runner, "acme").await.status(), 201);
    let again = server.store().revoke_runner(id).expect("revoke again");
    assert!(again.already_revoked);
}

#[tokio::test]
async fn last_used_set_by_task_read() {
    let server = TestServer::start().await;
    let owner = server.api_token("acme", "owner");
    let runner = server.runner_token("acme", "agents");
    // KEY_A gets the highest ID, which SQLite would give again to the next
    // secret after KEY_A's delete, unless the table prevents it.
    server.create_ok(&owner, "acme", "KEY_B", "b").await;
    server.create_ok(&owner, "acme", "KEY_A", "v1").await;
    let last_used = |list: &SecretList| -> Vec<(String, Option<String>)> {
        list.secrets
            .iter()
            .map(|secret| (secret.key.as_str().to_owned(), secret.last_used_at.clone()))
            .collect()
    };

    let task = server.start_task_ok(&runner, "acme").await;
    let before = list(&server, &owner, "acme").await;
    assert_eq!(
        last_used(&before),
        [("KEY_A".to_owned(), None), ("KEY_B".to_owned(), None)],
        "starting a task hands over nothing yet"
    );

    // Replace KEY_A: the task's snapshot names the deleted secret, which
    // must not mark the new one as used.
    delete(&server, &owner, "acme", "KEY_A").await;
    server.create_ok(&owner, "acme", "KEY_A", "v2").await;
    server.task_secrets(&task).await;

    let after = last_used(&list(&server, &owner, "acme").await);
    assert_eq!(after[0], ("KEY_A".to_owned(), None));
    let (key, used) = &after[1];
    assert_eq!(key, "KEY_B");
    let used = used.as_deref().expect("KEY_B was used");
    assert!(used.starts_with("20"), "{used}");
    assert!(used.ends_with('Z'), "{used}");
}

#[tokio::test]
async fn unreadable_value_listed() {
    let server = TestServer::start().await;
    let acme = server.api_token("acme", "owner");
    let beta = server.api_token("beta", "owner");
    let runner = server.runner_token("acme", "agents");
    let acme_key = server.public_key(&acme, "acme").await;
    let beta_key = server.public_key(&beta, "beta").await;
    server.create_ok(&acme, "acme", "GOOD", "good").await;

    // A client that sealed to beta's public key but named acme's key id,
    // and one that sealed bytes that are not UTF-8.
    let wrong_key = json!({
        "key": "WRONG_KEY",
        "sealed_value": seal_bytes(&beta_key, b"sealed to beta"),
        "key_id": acme_key.key_id,
    });
    let not_text = json!({
        "key": "NOT_TEXT",
        "sealed_value": seal_bytes(&acme_key, &[0xff, 0xfe, 0x00]),
        "key_id": acme_key.key_id,
    });
    for request in [wrong_key, not_text] {
        assert_eq!(server.create(&acme, "acme", &request).await.status(), 201);
    }

    let task = server.start_task_ok(&runner, "acme").await;
    let secrets = server.task_secrets(&task).await;

    let handed: Vec<&str> = secrets
        .secrets
        .iter()
        .map(|secret| secret.key.as_str())
        .collect();
    assert_eq!(handed, ["GOOD"]);
    assert_eq!(&*secrets.secrets[0].value, "good");
    let unreadable: Vec<(&str, &str)> = secrets
        .unreadable
        .iter()
        .map(|secret| (secret.key.as_str(), secret.reason.as_str()))
        .collect();
    assert_eq!(
        unreadable,
        [
            ("NOT_TEXT", "The value is not UTF-8 text, so it cannot be an environment variable. Delete the secret and add it again as text."),
            ("WRONG_KEY", "The value cannot be opened with the company's secret key: it was sealed to another key or changed. Delete the secret and add it again."),
        ]
    );
    let list = list(&server, &acme, "acme").await;
    let used: Vec<bool> = list
        .secrets
        .iter()
        .map(|secret| secret.last_used_at.is_some())
        .collect();
    assert_eq!(used, [true, false, false], "GOOD, NOT_TEXT, WRONG_KEY");
}

#[tokio::test]
async fn task_start_rate_limited() {
    let server = TestServer::start_configured(|state| {
        state.with_task_rate_limit(TaskRateLimit {
            burst: 2,
            per_minute: 1,
        })
    })
    .await;
    let runner = server.runner_token("acme", "agents");
    let other = server.runner_token("acme", "other");

    for _ in 0..2 {
        assert_eq!(server.start_task(&runner, "acme").await.status(), 201);
    }
    let response = server.start_task(&runner, "acme").await;

    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "60");
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["code"], "rate_limited");
    assert_eq!(
        body["message"],
        "Too many task starts in a short time. Try again in 60 seconds."
    );
    assert_eq!(server.count("SELECT COUNT(*) FROM tasks"), 2);
    assert_eq!(server.start_task(&other, "acme").await.status(), 201);
}
