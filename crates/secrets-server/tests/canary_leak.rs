//! Sends a unique canary value through every path of the API, sealed as
//! clients send it and also in plaintext, as a client might by mistake.
//! A task then reads it, and that response is the only one that may
//! contain it. Then checks that no other response, log line, database file
//! or activity event contains it, and that no log line contains a member's,
//! runner's or task's token.

mod common;

use base64::Engine;
use common::{
    add_member, fetch_sealing_key, issue_runner, login_link_from, seal, seal_bytes, sealed_request,
    session_cookie, sign_in, Binary,
};
use reqwest::header::HeaderMap;
use secrets_core::api::{PublicKeyResponse, StartedTask};
use secrets_core::sealed::SealingKey;
use serde_json::json;
use sha2::{Digest, Sha256};

const CANARY: &str = "CANARY-7f3a9c1e-leak-check";

/// Everything a client saw: status line, headers and body of each response.
#[derive(Default)]
struct Seen(String);

impl Seen {
    async fn record(&mut self, response: reqwest::Response) -> u16 {
        let status = response.status().as_u16();
        self.headers(response.headers());
        self.0.push_str(&response.text().await.expect("body"));
        status
    }

    fn headers(&mut self, headers: &HeaderMap) {
        for (name, value) in headers {
            self.0.push_str(&format!(
                "{name}: {}\n",
                String::from_utf8_lossy(value.as_bytes())
            ));
        }
    }
}

fn file_contains(path: &std::path::Path, needle: &[u8]) -> bool {
    match std::fs::read(path) {
        Ok(bytes) => bytes.windows(needle.len()).any(|window| window == needle),
        Err(_) => false,
    }
}

#[tokio::test]
async fn canary_value_never_leaks() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = dir.path().join("data");
    // A write limit that the test reaches on purpose at the end, so the
    // 429 path is covered too.
    let (mut server, base_url) = Binary::serve_with_args(
        &data_dir,
        &dir.path().join("dist"),
        &["--write-burst", "70", "--writes-per-minute", "1"],
        &[("RUST_LOG", "trace")],
    );
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let secrets_url = format!("{base_url}/api/v1/companies/acme/secrets");
    let mut seen = Seen::default();

    // Sign in through the printed link, and get an API token as well.
    let link = login_link_from(&server.stdout()).expect("login link");
    seen.record(client.get(&link).send().await.expect("sent"))
        .await;
    let response = sign_in(&client, &link).await;
    let cookie = session_cookie(&response);
    seen.record(response).await;
    let token = add_member(&data_dir, "acme", "bot", &[("RUST_LOG", "trace")]);

    // The client seals the canary to the company's public key.
    let response = client
        .get(format!("{base_url}/api/v1/companies/acme/public-key"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    let public_key: PublicKeyResponse = response.json().await.expect("JSON public key");
    seen.0
        .push_str(&serde_json::to_string(&public_key).expect("JSON"));
    let sealing_key =
        SealingKey::from_base64(&public_key.key_id, &public_key.public_key).expect("valid key");

    let post = |body: String| {
        client
            .post(&secrets_url)
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
    };
    let create = |key: &str, description: &str| {
        let mut body = sealed_request(&sealing_key, key, CANARY);
        body["description"] = json!(description);
        body.to_string()
    };
    let sealed_canary = seal(&sealing_key, CANARY);

    // The successful create, then every error path with the canary inside,
    // sealed or, as a client might send it by mistake, in plaintext.
    assert_eq!(
        seen.record(post(create("CANARY_KEY", "")).send().await.expect("sent"))
            .await,
        201
    );
    assert_eq!(
        seen.record(post(create("CANARY_KEY", "")).send().await.expect("sent"))
            .await,
        409
    );
    assert_eq!(
        seen.record(post(create("canary_key", "")).send().await.expect("sent"))
            .await,
        422
    );
    let bad_description = format!("{CANARY}\n");
    assert_eq!(
        seen.record(
            post(create("OTHER", &bad_description))
                .send()
                .await
                .expect("sent")
        )
        .await,
        422
    );
    let oversized = json!({
        "key": "BIG",
        "sealed_value": seal_bytes(&public_key, CANARY.repeat(2_000).as_bytes()),
        "key_id": public_key.key_id,
    })
    .to_string();
    assert_eq!(
        seen.record(post(oversized).send().await.expect("sent"))
            .await,
        422
    );
    let stale_key =
        json!({ "key": "STALE", "sealed_value": sealed_canary, "key_id": "0000000000000000" })
            .to_string();
    assert_eq!(
        seen.record(post(stale_key).send().await.expect("sent"))
            .await,
        409
    );
    let plaintext_bodies = [
        json!({ "key": "PLAIN", "value": CANARY }),
        json!({ "key": "PLAIN", "value": [CANARY], "sealed_value": sealed_canary, "key_id": public_key.key_id }),
    ];
    for body in plaintext_bodies {
        assert_eq!(
            seen.record(post(body.to_string()).send().await.expect("sent"))
                .await,
            422
        );
    }
    let too_large = json!({ "key": "BIG", "value": CANARY.repeat(12_000) }).to_string();
    assert_eq!(
        seen.record(post(too_large).send().await.expect("sent"))
            .await,
        413
    );
    let not_json = format!(r#"{{"key":"A","value":"{CANARY}""#);
    assert_eq!(
        seen.record(post(not_json).send().await.expect("sent"))
            .await,
        400
    );
    let wrong_type = format!(r#"{{"key":["{CANARY}"],"value":"{CANARY}"}}"#);
    assert_eq!(
        seen.record(post(wrong_type).send().await.expect("sent"))
            .await,
        400
    );
    let unauthorized = client
        .post(&secrets_url)
        .bearer_auth(CANARY)
        .json(&sealed_request(&sealing_key, "A", CANARY));
    assert_eq!(
        seen.record(unauthorized.send().await.expect("sent")).await,
        401
    );
    let by_cookie = client
        .post(&secrets_url)
        .header("cookie", &cookie)
        .json(&sealed_request(&sealing_key, "VIA_COOKIE", CANARY));
    assert_eq!(
        seen.record(by_cookie.send().await.expect("sent")).await,
        201
    );
    for index in 0..48 {
        let status = seen
            .record(
                post(create(&format!("FILL_{index:02}"), ""))
                    .send()
                    .await
                    .expect("sent"),
            )
            .await;
        assert_eq!(status, 201);
    }
    assert_eq!(
        seen.record(post(create("OVER_LIMIT", "")).send().await.expect("sent"))
            .await,
        409
    );
    // Description updates: the valid one, then every error path.
    let patch = |key: &str, body: String| {
        client
            .patch(format!("{secrets_url}/{key}"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
    };
    let patch_cases = [
        (
            "CANARY_KEY",
            json!({ "description": "Updated" }).to_string(),
            200,
        ),
        ("CANARY_KEY", json!({ "value": CANARY }).to_string(), 422),
        (
            "CANARY_KEY",
            json!({ "description": "x", "value": CANARY }).to_string(),
            422,
        ),
        (
            "CANARY_KEY",
            json!({ "description": format!("{CANARY}\n") }).to_string(),
            422,
        ),
        ("CANARY_KEY", format!(r#"{{"description":"{CANARY}""#), 400),
        (
            "CANARY_KEY",
            json!({ "description": "x", "other": CANARY }).to_string(),
            400,
        ),
        ("MISSING", json!({ "description": CANARY }).to_string(), 404),
    ];
    for (key, body, expected) in patch_cases {
        let status = seen
            .record(patch(key, body).send().await.expect("sent"))
            .await;
        assert_eq!(status, expected, "PATCH {key}");
    }

    // Activity pages, and a query that carries the canary.
    let activity_url = format!("{base_url}/api/v1/companies/acme/activity");
    let mut before: Option<i64> = None;
    loop {
        let url = match before {
            Some(before) => format!("{activity_url}?limit=20&before={before}"),
            None => format!("{activity_url}?limit=20"),
        };
        let response = client
            .get(url)
            .bearer_auth(&token)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 200);
        let page: serde_json::Value = response.json().await.expect("JSON");
        seen.0.push_str(&page.to_string());
        before = page["next_before"].as_i64();
        if before.is_none() {
            break;
        }
    }
    let bad_query = client
        .get(format!("{activity_url}?before={CANARY}"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent");
    assert_eq!(seen.record(bad_query).await, 400);

    let listed = client
        .get(&secrets_url)
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent");
    assert_eq!(seen.record(listed).await, 200);
    // A runner starts a task, which reads the canary, the only response
    // that may contain it, then the catalog, and finishes.
    let runner = issue_runner(&data_dir, "acme", &[("RUST_LOG", "trace")]);
    let tasks_url = format!("{base_url}/api/v1/companies/acme/tasks");
    let by_member = client.post(&tasks_url).bearer_auth(&token);
    assert_eq!(
        seen.record(by_member.send().await.expect("sent")).await,
        401
    );
    let response = client
        .post(&tasks_url)
        .bearer_auth(&runner)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 201);
    seen.headers(response.headers());
    let task: StartedTask = response.json().await.expect("JSON task");
    let task_url = |route: &str| format!("{base_url}/api/v1/tasks/{}/{route}", task.task_id);
    let response = client
        .get(task_url("secrets"))
        .bearer_auth(&*task.task_token)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    let handed_over = response.text().await.expect("body");
    assert!(
        handed_over.contains(CANARY),
        "the task did not receive the canary"
    );
    let catalog = client
        .get(task_url("catalog"))
        .bearer_auth(&*task.task_token)
        .send()
        .await
        .expect("sent");
    assert_eq!(seen.record(catalog).await, 200);
    let wrong_token = client
        .get(task_url("secrets"))
        .bearer_auth(&runner)
        .send()
        .await
        .expect("sent");
    assert_eq!(seen.record(wrong_token).await, 401);
    let finished = client
        .post(task_url("finish"))
        .bearer_auth(&*task.task_token)
        .send()
        .await
        .expect("sent");
    assert_eq!(seen.record(finished).await, 204);
    let after_finish = client
        .get(task_url("secrets"))
        .bearer_auth(&*task.task_token)
        .send()
        .await
        .expect("sent");
    assert_eq!(seen.record(after_finish).await, 401);

    let deleted = client
        .delete(format!("{secrets_url}/CANARY_KEY"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent");
    assert_eq!(seen.record(deleted).await, 204);

    // Writes until the rate limit rejects one, each with the canary inside.
    let mut statuses = Vec::new();
    for index in 0..20 {
        let status = seen
            .record(
                post(create(&format!("LATE_{index}"), ""))
                    .send()
                    .await
                    .expect("sent"),
            )
            .await;
        statuses.push(status);
        if status == 429 {
            break;
        }
    }
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");

    // Stop the server so that its logs and database files are complete.
    assert_eq!(server.terminate(), Some(0));
    let logs = format!("{}{}", server.stdout(), server.stderr());

    assert!(!seen.0.contains(CANARY), "a response contains the canary");
    assert!(
        !logs.contains(CANARY),
        "the logs contain the canary:\n{logs}"
    );
    for (name, secret) in [
        ("bearer token", token.as_str()),
        ("runner token", runner.as_str()),
        ("task token", task.task_token.as_str()),
    ] {
        assert!(!logs.contains(secret), "the logs contain the {name}");
    }
    assert!(
        logs.contains(&format!("task_id={}", task.task_id))
            && logs.contains("handed secrets to a task"),
        "the hand-over was not logged:\n{logs}"
    );
    assert!(
        logs.contains("request finished"),
        "the trace-level logs were not captured:\n{logs}"
    );
    for file in ["secrets.db", "secrets.db-wal", "secrets.db-shm"] {
        assert!(
            !file_contains(&data_dir.join(file), CANARY.as_bytes()),
            "{file} contains the canary"
        );
    }
    let database = rusqlite::Connection::open(data_dir.join("secrets.db")).expect("open database");
    let events: i64 = database
        .query_row("SELECT COUNT(*) FROM activity_events WHERE key LIKE '%CANARY-%' OR member_name LIKE '%CANARY-%'", [], |row| {
            row.get(0)
        })
        .expect("count");
    assert_eq!(events, 0);
}

/// The PostgreSQL driver logs every statement's parameters at the debug
/// level, so at `RUST_LOG=trace` a server on PostgreSQL would log sealed
/// values and the hashes of the tokens it looks up. On SQLite no driver
/// logs parameters, so there this test checks only the server's own logs.
#[tokio::test]
async fn log_omits_statement_parameters() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = dir.path().join("data");
    let token = add_member(&data_dir, "acme", "owner", &[]);
    let (mut server, base_url) = Binary::serve(
        &data_dir,
        &dir.path().join("dist"),
        &[("RUST_LOG", "trace")],
    );
    let client = reqwest::Client::new();

    let sealing_key = fetch_sealing_key(&client, &base_url, "acme", &token).await;
    let body = sealed_request(&sealing_key, "CANARY_KEY", CANARY);
    let response = client
        .post(format!("{base_url}/api/v1/companies/acme/secrets"))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 201);

    assert_eq!(server.terminate(), Some(0));
    let logs = server.stderr();
    assert!(
        logs.contains("request finished"),
        "the trace-level logs were not captured:\n{logs}"
    );

    // The token is looked up by its hash, and the sealed value is stored,
    // so both were parameters of a statement.
    let token_hash = hex::encode(Sha256::digest(token.as_bytes()));
    assert!(
        !logs.contains(&token_hash),
        "the logs contain the token's hash:\n{logs}"
    );
    let sealed_value = base64::engine::general_purpose::STANDARD
        .decode(body["sealed_value"].as_str().expect("sealed value"))
        .expect("base64");
    // The driver prints bytes as Rust's `Debug` prints a byte slice.
    let printed = format!("{:?}", &sealed_value[..16]);
    let printed_start = printed.trim_end_matches(']');
    assert!(
        !logs.contains(printed_start),
        "the logs contain the sealed value's bytes:\n{logs}"
    );
}
