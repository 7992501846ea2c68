//! The import route: several secrets in one request, stored all or none.

mod common;

use common::{
    add_member, assert_error, fetch_sealing_key, issue_runner, raw_request, seal, sealed_request,
    statuses_and_codes, store_secret, stored_value, Binary, TestServer,
};
use futures::future::join_all;
use secrets_core::api::{DUPLICATE_IN_IMPORT_MESSAGE, PLAINTEXT_VALUE_MESSAGE};
use secrets_core::sealed::SealingKey;
use secrets_core::{DUPLICATE_KEY_MESSAGE, VALUE_MAX_BYTES};
use secrets_server::http::{MAX_BODY_BYTES, MAX_IMPORT_BODY_BYTES};
use secrets_server::store::CredentialKind;
use serde_json::{json, Value};

const INVALID_KEY_MESSAGE: &str = "Use A-Z, 0-9, and underscores. Must start with a letter.";

fn import_path(company: &str) -> String {
    format!("/api/v1/companies/{company}/secrets/import")
}

/// Returns an import body with each (key, value) sealed with
/// `sealing_key`.
fn import_body(sealing_key: &SealingKey, items: &[(&str, &str)]) -> Value {
    let secrets: Vec<Value> = items
        .iter()
        .map(|(key, value)| sealed_request(sealing_key, key, value))
        .collect();
    json!({ "secrets": secrets })
}

impl TestServer {
    /// Sends an import request with a JSON body.
    async fn import(&self, token: &str, company: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(&import_path(company)))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("sent")
    }

    /// Sends an import request whose body is `text`, declared as JSON.
    async fn import_text(&self, token: &str, company: &str, text: String) -> reqwest::Response {
        self.client
            .post(self.url(&import_path(company)))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(text)
            .send()
            .await
            .expect("sent")
    }

    fn secret_count(&self) -> i64 {
        self.count("SELECT COUNT(*) FROM secrets")
    }

    fn event_count(&self) -> i64 {
        self.count("SELECT COUNT(*) FROM activity_events")
    }
}

/// Starts a server with the member `owner` of `acme`, and returns it with
/// the member's API token and the company's public key.
async fn start_acme() -> (TestServer, String, SealingKey) {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    let sealing_key = server.sealing_key(&token, "acme").await;
    (server, token, sealing_key)
}

/// Returns the (index, key, code) of each item of an error body.
fn item_summaries(body: &Value) -> Vec<(u64, String, String)> {
    body["items"]
        .as_array()
        .expect("items array")
        .iter()
        .map(|item| {
            (
                item["index"].as_u64().expect("index"),
                item["key"].as_str().expect("key").to_owned(),
                item["code"].as_str().expect("code").to_owned(),
            )
        })
        .collect()
}

fn summary(index: u64, key: &str, code: &str) -> (u64, String, String) {
    (index, key.to_owned(), code.to_owned())
}

#[tokio::test]
async fn import_stores_all_in_order() {
    let (server, token, sealing_key) = start_acme().await;
    let mut body = import_body(
        &sealing_key,
        &[
            ("STRIPE_API_KEY", "sk_live_1"),
            ("DB_URL", "postgres://u:p@h/db?sslmode=require"),
            ("PEM", "-----BEGIN KEY-----\r\nMIIB\n-----END KEY-----\n"),
        ],
    );
    body["secrets"][0]["description"] = json!("For payments");

    let response = server.import(&token, "acme", &body).await;

    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let text = response.text().await.expect("body");
    assert!(!text.contains("sk_live_1"), "{text}");
    assert!(!text.contains("sealed_value"), "{text}");
    let created: Value = serde_json::from_str(&text).expect("JSON");
    let keys: Vec<&str> = created["secrets"]
        .as_array()
        .expect("secrets")
        .iter()
        .map(|secret| secret["key"].as_str().expect("key"))
        .collect();
    assert_eq!(keys, ["STRIPE_API_KEY", "DB_URL", "PEM"]);
    assert_eq!(created["secrets"][0]["description"], "For payments");
    assert_eq!(created["secrets"][0]["created_by"], "owner");

    assert_eq!(
        server.keys(&token, "acme").await,
        ["DB_URL", "PEM", "STRIPE_API_KEY"]
    );
    assert_eq!(
        stored_value(server.store(), "acme", "PEM"),
        "-----BEGIN KEY-----\r\nMIIB\n-----END KEY-----\n"
    );
    assert_eq!(
        server.count(
            "SELECT COUNT(*) FROM activity_events WHERE action = 'added' AND member_name = 'owner'"
        ),
        3
    );
}

#[tokio::test]
async fn import_invalid_item_rejects_all() {
    let (server, token, sealing_key) = start_acme().await;
    let mut body = import_body(
        &sealing_key,
        &[
            ("GOOD_ONE", "v"),
            ("my-key", "v"),
            ("GOOD_TWO", "v"),
            ("DESCRIBED", "v"),
        ],
    );
    body["secrets"][3]["description"] = json!("two\nlines");

    let response = server.import(&token, "acme", &body).await;

    assert_eq!(response.status(), 422);
    let error: Value = response.json().await.expect("JSON");
    assert_eq!(error["code"], "invalid_import");
    assert_eq!(
        error["message"],
        "The import has 2 invalid secrets, so nothing was saved. Fix them and import again."
    );
    assert_eq!(
        item_summaries(&error),
        [
            summary(1, "my-key", "invalid_key"),
            summary(3, "DESCRIBED", "invalid_description")
        ]
    );
    assert_eq!(error["items"][0]["message"], INVALID_KEY_MESSAGE);
    assert_eq!(server.secret_count(), 0);
    assert_eq!(server.event_count(), 0);
}

#[tokio::test]
async fn import_confusing_key_named() {
    let (server, token, sealing_key) = start_acme().await;
    let body = import_body(&sealing_key, &[("OK", "v"), ("\u{410}PI_KEY", "v")]);

    let response = server.import(&token, "acme", &body).await;

    assert_eq!(response.status(), 422);
    let error: Value = response.json().await.expect("JSON");
    assert_eq!(
        item_summaries(&error),
        [summary(1, "\u{410}PI_KEY", "invalid_key")]
    );
    assert_eq!(
        error["items"][0]["message"],
        "The key contains \u{410} (U+0410 CYRILLIC CAPITAL LETTER A) at position 1, which looks like the Latin letter A. Type it with the Latin letter."
    );
    assert_eq!(server.secret_count(), 0);
}

#[tokio::test]
async fn import_duplicate_keys_inside_rejected() {
    let (server, token, sealing_key) = start_acme().await;
    let body = import_body(
        &sealing_key,
        &[("A_KEY", "1"), ("B_KEY", "2"), ("A_KEY", "3")],
    );

    let response = server.import(&token, "acme", &body).await;

    assert_eq!(response.status(), 422);
    let error: Value = response.json().await.expect("JSON");
    assert_eq!(error["code"], "invalid_import");
    assert_eq!(
        item_summaries(&error),
        [
            summary(0, "A_KEY", "duplicate_key"),
            summary(2, "A_KEY", "duplicate_key")
        ]
    );
    assert_eq!(error["items"][0]["message"], DUPLICATE_IN_IMPORT_MESSAGE);
    assert_eq!(server.secret_count(), 0);
    assert_eq!(server.event_count(), 0);
}

#[tokio::test]
async fn import_existing_keys_conflict() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    store_secret(server.store(), "acme", "EXISTING", "old");
    store_secret(server.store(), "acme", "ALSO_EXISTING", "old");
    let sealing_key = server.sealing_key(&token, "acme").await;
    let body = import_body(
        &sealing_key,
        &[
            ("NEW_ONE", "v"),
            ("EXISTING", "new"),
            ("ALSO_EXISTING", "new"),
        ],
    );

    let response = server.import(&token, "acme", &body).await;

    assert_eq!(response.status(), 409);
    let error: Value = response.json().await.expect("JSON");
    assert_eq!(error["code"], "duplicate_key");
    assert_eq!(
        error["message"],
        "The company already has secrets with 2 of these keys, so nothing was saved. Remove them from the import, or delete the existing secrets first."
    );
    assert_eq!(
        item_summaries(&error),
        [
            summary(1, "EXISTING", "duplicate_key"),
            summary(2, "ALSO_EXISTING", "duplicate_key")
        ]
    );
    assert_eq!(error["items"][0]["message"], DUPLICATE_KEY_MESSAGE);
    assert_eq!(server.secret_count(), 2);
    assert_eq!(stored_value(server.store(), "acme", "EXISTING"), "old");
    assert_eq!(server.event_count(), 2);
}

#[tokio::test]
async fn import_limit_names_what_fits() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    for index in 0..48 {
        store_secret(server.store(), "acme", &format!("FILL_{index:02}"), "v");
    }
    let sealing_key = server.sealing_key(&token, "acme").await;
    let three = import_body(&sealing_key, &[("A", "1"), ("B", "2"), ("C", "3")]);

    let response = server.import(&token, "acme", &three).await;

    let message = "This company already has 48 secrets, so only 2 more fit. The import has 3, so remove 1 secret from it, or delete secrets first.";
    assert_error(response, 409, "limit_reached", message).await;
    assert_eq!(server.secret_count(), 48);
    assert_eq!(server.event_count(), 48);

    let two = import_body(&sealing_key, &[("A", "1"), ("B", "2")]);
    let response = server.import(&token, "acme", &two).await;
    assert_eq!(response.status(), 201);
    assert_eq!(server.secret_count(), 50);

    let one_more = import_body(&sealing_key, &[("C", "3")]);
    let response = server.import(&token, "acme", &one_more).await;
    assert_error(
        response,
        409,
        "limit_reached",
        "This company already has 50 secrets.",
    )
    .await;
}

#[tokio::test]
async fn import_plaintext_value_rejected() {
    let (server, token, sealing_key) = start_acme().await;
    let mut body = import_body(&sealing_key, &[("SEALED", "v"), ("PLAIN", "v")]);
    body["secrets"][1]["value"] = json!("plaintext-in-import");
    body["secrets"].as_array_mut().expect("array").push(json!({
        "key": "ONLY_PLAIN",
        "value": "plaintext-in-import",
    }));

    let response = server.import(&token, "acme", &body).await;

    assert_eq!(response.status(), 422);
    let text = response.text().await.expect("body");
    assert!(!text.contains("plaintext-in-import"), "{text}");
    let error: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(error["code"], "plaintext_value");
    assert_eq!(error["message"], PLAINTEXT_VALUE_MESSAGE);
    assert_eq!(
        item_summaries(&error),
        [
            summary(1, "PLAIN", "plaintext_value"),
            summary(2, "ONLY_PLAIN", "plaintext_value")
        ]
    );
    assert_eq!(server.secret_count(), 0);
}

#[tokio::test]
async fn import_many_plaintext_items_rejected_briefly() {
    let (server, token, _) = start_acme().await;
    let items: Vec<Value> = (0..20_000).map(|_| json!({ "value": 0 })).collect();

    let response = server
        .import(&token, "acme", &json!({ "secrets": items }))
        .await;

    assert_eq!(response.status(), 422);
    let text = response.text().await.expect("body");
    assert!(text.len() < 1024, "{} bytes", text.len());
    let error: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(error["code"], "invalid_import");
    assert_eq!(
        error["message"],
        "An import can add at most 50 secrets. This one has 20000."
    );
}

#[tokio::test]
async fn import_empty_or_too_many_rejected() {
    let (server, token, sealing_key) = start_acme().await;

    let response = server
        .import(&token, "acme", &json!({ "secrets": [] }))
        .await;
    assert_error(
        response,
        422,
        "invalid_import",
        "The import contains no secrets. Add at least one.",
    )
    .await;

    let keys: Vec<String> = (0..51).map(|index| format!("KEY_{index:02}")).collect();
    let items: Vec<(&str, &str)> = keys.iter().map(|key| (key.as_str(), "v")).collect();
    let response = server
        .import(&token, "acme", &import_body(&sealing_key, &items))
        .await;
    assert_error(
        response,
        422,
        "invalid_import",
        "An import can add at most 50 secrets. This one has 51.",
    )
    .await;
    assert_eq!(server.secret_count(), 0);
}

#[tokio::test]
async fn import_malformed_bodies_rejected() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    let shape = "The request body must be a JSON object with a secrets array, whose items are objects with the text fields key, sealed_value and key_id, and optionally description.";

    for body in [
        json!({}),
        json!({ "secrets": "A=1" }),
        json!({ "secrets": [{ "key": "A" }] }),
        json!({ "secrets": [{ "key": 1, "sealed_value": "x", "key_id": "k" }] }),
        json!([{ "key": "A" }]),
    ] {
        let response = server.import(&token, "acme", &body).await;
        assert_error(response, 400, "invalid_body", shape).await;
    }

    let response = server
        .client
        .get(server.url(&import_path("acme")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 405);
}

#[tokio::test]
async fn import_stale_key_id_conflict() {
    let (server, token, sealing_key) = start_acme().await;
    let mut body = import_body(&sealing_key, &[("FIRST", "1"), ("SECOND", "2")]);
    body["secrets"][1]["key_id"] = json!("0000000000000000");

    let response = server.import(&token, "acme", &body).await;

    let message = secrets_core::api::STALE_PUBLIC_KEY_MESSAGE;
    assert_error(response, 409, "stale_public_key", message).await;
    assert_eq!(server.secret_count(), 0);
}

/// Writes every character of `text` as a JSON `\u` escape, with surrogate
/// pairs outside the Basic Multilingual Plane: the longest form JSON
/// allows.
fn escape_all(text: &str) -> String {
    text.encode_utf16()
        .map(|unit| format!("\\u{unit:04x}"))
        .collect()
}

#[tokio::test]
async fn import_fifty_largest_items_accepted() {
    let (server, token, sealing_key) = start_acme().await;
    let description = "\u{1F511}".repeat(200);

    // Keys, key ids and descriptions at their longest JSON escapes, and
    // values at the size limit.
    let items: Vec<String> = (0..50)
        .map(|index| {
            let key = format!("K{index:02}_{}", "X".repeat(60));
            let value = format!("{index:02}{}", "v".repeat(VALUE_MAX_BYTES - 2));
            format!(
                r#"{{"key":"{}","sealed_value":"{}","key_id":"{}","description":"{}"}}"#,
                escape_all(&key),
                seal(&sealing_key, &value),
                escape_all(sealing_key.key_id()),
                escape_all(&description),
            )
        })
        .collect();
    let body = format!(r#"{{"secrets":[{}]}}"#, items.join(","));
    assert!(body.len() > 8 * MAX_BODY_BYTES, "{}", body.len());
    assert!(body.len() <= MAX_IMPORT_BODY_BYTES, "{}", body.len());

    let response = server.import_text(&token, "acme", body).await;

    assert_eq!(response.status(), 201);
    assert_eq!(server.secret_count(), 50);
    let key = format!("K49_{}", "X".repeat(60));
    let value = stored_value(server.store(), "acme", &key);
    assert_eq!(value.len(), VALUE_MAX_BYTES);
    assert!(value.starts_with("49v"));
    let description_count = server.count(&format!(
        "SELECT COUNT(*) FROM secrets WHERE description = '{description}'"
    ));
    assert_eq!(description_count, 50);
}

#[tokio::test]
async fn import_body_at_limit_read() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    let mut body = r#"{"secrets":[]}"#.to_owned();
    body.push_str(&" ".repeat(MAX_IMPORT_BODY_BYTES - body.len()));

    let response = server.import_text(&token, "acme", body).await;

    // The body was read and parsed: its only problem is that it is empty.
    assert_eq!(response.status(), 422);
}

#[tokio::test]
async fn import_body_over_limit_by_content_length() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        import_path("acme"),
        MAX_IMPORT_BODY_BYTES + 1
    );

    let (status, response) = raw_request(server.addr, &[head.as_bytes()]).await;

    assert_eq!(status, 413, "{response}");
    assert!(
        response.contains(r#""code":"payload_too_large""#),
        "{response}"
    );
    assert!(
        response.contains("The request body is larger than the limit of 2,337 KiB."),
        "{response}"
    );
}

#[tokio::test]
async fn import_body_over_limit_while_streaming() {
    let server = TestServer::start().await;
    let token = server.api_token("acme", "owner");
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
        import_path("acme")
    );
    let whole = format!(
        "{:x}\r\n{}\r\n",
        MAX_IMPORT_BODY_BYTES,
        " ".repeat(MAX_IMPORT_BODY_BYTES)
    );

    // One chunk reaches the limit exactly, and one more byte passes it.
    // The body never ends, so only the running count can reject it.
    let (status, response) =
        raw_request(server.addr, &[head.as_bytes(), whole.as_bytes(), b"1\r\n "]).await;

    assert_eq!(status, 413, "{response}");
    assert_eq!(server.secret_count(), 0);
}

#[tokio::test]
async fn import_other_company_not_found() {
    let server = TestServer::start().await;
    let owner = server.api_token("acme", "owner");
    let outsider = server.api_token("other", "eve");
    let sealing_key = server.sealing_key(&owner, "acme").await;
    let body = import_body(&sealing_key, &[("A", "1")]);

    let response = server.import(&outsider, "acme", &body).await;
    assert_error(
        response,
        404,
        "not_found",
        "No company with this ID was found.",
    )
    .await;

    let response = server.import(&outsider, "missing", &body).await;
    assert_error(
        response,
        404,
        "not_found",
        "No company with this ID was found.",
    )
    .await;

    let response = server
        .client
        .post(server.url(&import_path("acme")))
        .json(&body)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 401);

    // A session cookie sent by a page of another origin.
    let session = server.token("acme", "owner", CredentialKind::Session);
    let response = server
        .client
        .post(server.url(&import_path("acme")))
        .header(
            "cookie",
            format!("{}={session}", secrets_server::http::SESSION_COOKIE),
        )
        .header("origin", "http://127.0.0.1:9")
        .header("sec-fetch-site", "cross-site")
        .json(&body)
        .send()
        .await
        .expect("sent");
    assert_error(
        response,
        403,
        "cross_origin",
        "This change came from a page outside the Secrets section, so it was rejected. Make it in the Secrets section itself.",
    )
    .await;
    assert_eq!(server.secret_count(), 0);
}

#[tokio::test]
async fn import_counts_as_one_write() {
    let limit = secrets_server::WriteRateLimit {
        burst: 2,
        per_minute: 1,
    };
    let server = TestServer::start_with_write_rate_limit(limit).await;
    let token = server.api_token("acme", "owner");
    let sealing_key = server.sealing_key(&token, "acme").await;
    let five = |prefix: &str| {
        let keys: Vec<String> = (0..5).map(|index| format!("{prefix}_{index}")).collect();
        let items: Vec<(&str, &str)> = keys.iter().map(|key| (key.as_str(), "v")).collect();
        import_body(&sealing_key, &items)
    };

    let first = server.import(&token, "acme", &five("FIRST")).await;
    let second = server.import(&token, "acme", &five("SECOND")).await;
    let third = server.import(&token, "acme", &five("THIRD")).await;

    assert_eq!(first.status(), 201);
    assert_eq!(second.status(), 201);
    assert_eq!(third.status(), 429);
    assert_eq!(server.secret_count(), 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn race_two_imports_stop_at_limit() {
    let server = TestServer::start().await;
    for round in 0..3 {
        let company = format!("race-{round}");
        // Two members, so that each import comes from its own writer.
        let tokens = [
            server.api_token(&company, "owner"),
            server.api_token(&company, "second"),
        ];
        for index in 0..40 {
            store_secret(server.store(), &company, &format!("FILL_{index:02}"), "v");
        }
        let sealing_key = server.sealing_key(&tokens[0], &company).await;

        let imports = tokens.iter().enumerate().map(|(which, token)| {
            let keys: Vec<String> = (0..6)
                .map(|index| format!("IMPORT_{which}_{index}"))
                .collect();
            let items: Vec<(&str, &str)> = keys.iter().map(|key| (key.as_str(), "v")).collect();
            let body = import_body(&sealing_key, &items);
            let (server, company) = (&server, &company);
            async move { server.import(token, company, &body).await }
        });
        let mut results = statuses_and_codes(join_all(imports).await).await;
        results.sort();

        assert_eq!(
            results,
            [(201, String::new()), (409, "limit_reached".to_owned())],
            "round {round}"
        );
        let count = server.count(&format!(
            "SELECT COUNT(*) FROM secrets WHERE company_id = '{company}'"
        ));
        assert_eq!(count, 46, "round {round}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn race_import_and_creates_stop_at_limit() {
    let server = TestServer::start().await;
    let tokens = [
        server.api_token("acme", "owner"),
        server.api_token("acme", "second"),
    ];
    for index in 0..45 {
        store_secret(server.store(), "acme", &format!("FILL_{index:02}"), "v");
    }
    let sealing_key = server.sealing_key(&tokens[0], "acme").await;
    let body = import_body(
        &sealing_key,
        &[
            ("I_0", "v"),
            ("I_1", "v"),
            ("I_2", "v"),
            ("I_3", "v"),
            ("I_4", "v"),
        ],
    );
    let creates = (0..5).map(|index| {
        let body = sealed_request(&sealing_key, &format!("C_{index}"), "v");
        let (server, token) = (&server, &tokens[1]);
        async move { server.create(token, "acme", &body).await.status().as_u16() }
    });

    let (import_status, create_statuses) =
        tokio::join!(server.import(&tokens[0], "acme", &body), join_all(creates));

    let created = create_statuses
        .iter()
        .filter(|status| **status == 201)
        .count();
    if import_status.status() == 201 {
        assert_eq!(created, 0);
    } else {
        assert_eq!(import_status.status(), 409);
        assert_eq!(created, 5);
    }
    assert_eq!(server.secret_count(), 50);
    assert_eq!(server.count("SELECT COUNT(*) FROM activity_events"), 50);
}

const CANARY: &str = "CANARY-0b9e4d2a-import-leak-check";

#[tokio::test]
async fn import_canary_never_leaks() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = dir.path().join("data");
    let env = [("RUST_LOG", "trace")];
    let (mut server, base_url) = Binary::serve(&data_dir, &dir.path().join("dist"), &env);
    let client = reqwest::Client::new();
    let token = add_member(&data_dir, "acme", "bot", &env);
    let import_url = format!("{base_url}{}", import_path("acme"));
    let mut seen = String::new();

    let sealing_key = fetch_sealing_key(&client, &base_url, "acme", &token).await;
    let canary_import = |keys: &[&str]| {
        let items: Vec<(&str, &str)> = keys.iter().map(|key| (*key, CANARY)).collect();
        import_body(&sealing_key, &items).to_string()
    };
    let sealed_canary = seal(&sealing_key, CANARY);

    // The successful import, then every error path with the canary inside,
    // sealed or in plaintext.
    let mut invalid_description: Value =
        serde_json::from_str(&canary_import(&["DESCRIBED"])).expect("JSON");
    invalid_description["secrets"][0]["description"] = json!(format!("{CANARY}\n"));
    let fillers: Vec<String> = (0..46).map(|index| format!("FILL_{index:02}")).collect();
    let filler_keys: Vec<&str> = fillers.iter().map(String::as_str).collect();
    let cases = [
        ("success", canary_import(&["CANARY_ONE", "CANARY_TWO"]), 201),
        ("existing keys", canary_import(&["CANARY_ONE", "NEW"]), 409),
        ("invalid key", canary_import(&["OK", "bad-key"]), 422),
        ("repeated key", canary_import(&["SAME", "SAME"]), 422),
        ("invalid description", invalid_description.to_string(), 422),
        (
            "plaintext value",
            json!({ "secrets": [{ "key": "PLAIN", "value": CANARY }] }).to_string(),
            422,
        ),
        (
            "plaintext beside sealed",
            json!({ "secrets": [{ "key": "PLAIN", "value": [CANARY], "sealed_value": sealed_canary, "key_id": sealing_key.key_id() }] }).to_string(),
            422,
        ),
        (
            "stale key id",
            json!({ "secrets": [{ "key": "STALE", "sealed_value": sealed_canary, "key_id": "0000000000000000" }] }).to_string(),
            409,
        ),
        (
            "too large",
            json!({ "secrets": [{ "key": "BIG", "value": CANARY.repeat(80_000) }] }).to_string(),
            413,
        ),
        ("not JSON", format!(r#"{{"secrets":[{{"value":"{CANARY}""#), 400),
        (
            "wrong type",
            format!(r#"{{"secrets":[{{"key":["{CANARY}"],"value":"{CANARY}"}}]}}"#),
            400,
        ),
        ("fill to 48", canary_import(&filler_keys), 201),
        ("over the limit", canary_import(&["ONE", "TWO", "THREE"]), 409),
    ];
    for (name, body, expected) in cases {
        let response = client
            .post(&import_url)
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status().as_u16(), expected, "{name}");
        for (header, value) in response.headers() {
            seen.push_str(&format!(
                "{header}: {}\n",
                String::from_utf8_lossy(value.as_bytes())
            ));
        }
        seen.push_str(&response.text().await.expect("body"));
    }

    // A task reads the imported canary: the only response that may contain it.
    let runner = issue_runner(&data_dir, "acme", &env);
    let response = client
        .post(format!("{base_url}/api/v1/companies/acme/tasks"))
        .bearer_auth(&runner)
        .send()
        .await
        .expect("sent");
    let task: secrets_core::api::StartedTask = response.json().await.expect("JSON task");
    let handed_over = client
        .get(format!("{base_url}/api/v1/tasks/{}/secrets", task.task_id))
        .bearer_auth(&*task.task_token)
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("body");
    assert!(
        handed_over.contains(CANARY),
        "the task did not receive the canary"
    );

    // Stop the server so that its logs and database files are complete.
    assert_eq!(server.terminate(), Some(0));
    let logs = format!("{}{}", server.stdout(), server.stderr());

    assert!(
        !seen.contains(CANARY),
        "a response contains the canary:\n{seen}"
    );
    assert!(
        !logs.contains(CANARY),
        "the logs contain the canary:\n{logs}"
    );
    assert!(logs.contains("secrets imported"), "{logs}");
    assert!(
        !common::database_files_contain(&data_dir, CANARY.as_bytes()),
        "a database file contains the canary"
    );
}
