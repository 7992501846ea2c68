//! The OpenAPI document at `/api/v1/openapi.json` against the router that
//! serves it, over real HTTP. Every documented operation is routed with its
//! method, and every other method of a documented path gets 405. No source
//! file registers a route outside the list that the document is built from.

mod common;

use std::path::Path;

use common::TestServer;
use reqwest::Method;
use secrets_core::api::paths::{
    ACTIVITY_ROUTE, HEALTHZ_ROUTE, IMPORT_ROUTE, OPENAPI_ROUTE, PUBLIC_KEY_ROUTE, READYZ_ROUTE,
    SECRETS_ROUTE, SECRET_ROUTE, SESSION_ROUTE, TASKS_ROUTE, TASK_CATALOG_ROUTE, TASK_FINISH_ROUTE,
    TASK_SECRETS_ROUTE,
};
use serde_json::Value;

/// The methods that each documented path is probed with.
const METHODS: [Method; 5] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
];

/// Registrations that may stay out of the document: the JSON 404 for
/// unknown API paths, and the HTML login form. Each is the first argument
/// of a `.route(` call, as written in the source.
const UNDOCUMENTED_REGISTRATIONS: [&str; 3] = ["\"/api\"", "\"/api/{*rest}\"", "LOGIN_ROUTE"];

async fn fetch_document(server: &TestServer) -> Value {
    let response = server.get(OPENAPI_ROUTE).await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("JSON document")
}

/// Returns each documented operation as (method, path template, documented
/// statuses).
fn operations(document: &Value) -> Vec<(Method, String, Vec<u16>)> {
    let paths = document["paths"].as_object().expect("paths object");
    let mut operations = Vec::new();
    for (path, item) in paths {
        for (method, operation) in item.as_object().expect("path item object") {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let statuses = operation["responses"]
                .as_object()
                .expect("responses object")
                .keys()
                .map(|status| status.parse().expect("numeric status"))
                .collect();
            operations.push((method, path.clone(), statuses));
        }
    }
    operations
}

/// Returns the path template with each parameter replaced by a valid value.
fn concrete_path(template: &str) -> String {
    template
        .replace("{company}", "acme")
        .replace("{key}", "API_KEY")
        .replace("{task}", "7e6d25aedc6cf33ea24f5ccfec472579")
}

#[tokio::test]
async fn document_is_openapi_3_1() {
    let server = TestServer::start().await;

    let response = server.get(OPENAPI_ROUTE).await;

    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["cache-control"], "no-cache");
    let etag = headers["etag"]
        .to_str()
        .expect("ASCII entity tag")
        .to_owned();
    assert!(etag.starts_with('"'), "{etag}");
    assert!(etag.ends_with('"'), "{etag}");
    let document: Value = response.json().await.expect("JSON document");
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(document["info"]["title"], "Secrets API");
    let schemes = document["components"]["securitySchemes"]
        .as_object()
        .expect("security schemes");
    let mut names: Vec<&str> = schemes.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "member_token",
            "runner_token",
            "session_cookie",
            "task_token"
        ]
    );
}

#[tokio::test]
async fn document_revalidates_with_etag() {
    let server = TestServer::start().await;
    let first = server.get(OPENAPI_ROUTE).await;
    let etag = first.headers()["etag"].clone();

    let unchanged = server
        .client
        .get(server.url(OPENAPI_ROUTE))
        .header("if-none-match", etag.clone())
        .send()
        .await
        .expect("sent");
    let other = server
        .client
        .get(server.url(OPENAPI_ROUTE))
        .header("if-none-match", "\"another\"")
        .send()
        .await
        .expect("sent");

    assert_eq!(unchanged.status(), 304);
    assert_eq!(unchanged.headers()["etag"], etag);
    assert_eq!(unchanged.headers()["cache-control"], "no-cache");
    assert!(unchanged.bytes().await.expect("body").is_empty());
    assert_eq!(other.status(), 200);
}

#[tokio::test]
async fn document_lists_every_api_route() {
    let server = TestServer::start().await;

    let document = fetch_document(&server).await;

    let mut documented: Vec<(Method, String)> = operations(&document)
        .into_iter()
        .map(|(method, path, _)| (method, path))
        .collect();
    documented.sort_by(|a, b| (&a.1, a.0.as_str()).cmp(&(&b.1, b.0.as_str())));
    let mut expected: Vec<(Method, String)> = [
        (Method::GET, ACTIVITY_ROUTE),
        (Method::GET, PUBLIC_KEY_ROUTE),
        (Method::GET, SECRETS_ROUTE),
        (Method::POST, SECRETS_ROUTE),
        (Method::POST, IMPORT_ROUTE),
        (Method::DELETE, SECRET_ROUTE),
        (Method::PATCH, SECRET_ROUTE),
        (Method::POST, TASKS_ROUTE),
        (Method::GET, OPENAPI_ROUTE),
        (Method::DELETE, SESSION_ROUTE),
        (Method::GET, TASK_CATALOG_ROUTE),
        (Method::POST, TASK_FINISH_ROUTE),
        (Method::GET, TASK_SECRETS_ROUTE),
        (Method::GET, HEALTHZ_ROUTE),
        (Method::GET, READYZ_ROUTE),
    ]
    .into_iter()
    .map(|(method, path)| (method, path.to_owned()))
    .collect();
    expected.sort_by(|a, b| (&a.1, a.0.as_str()).cmp(&(&b.1, b.0.as_str())));
    assert_eq!(documented, expected);
}

#[tokio::test]
async fn documented_operations_are_routed() {
    let server = TestServer::start().await;
    let document = fetch_document(&server).await;

    for (method, template, statuses) in operations(&document) {
        let path = concrete_path(&template);
        let response = server
            .client
            .request(method.clone(), server.url(&path))
            .send()
            .await
            .expect("sent");

        // Without credentials every operation returns a documented status:
        // 401 for the API, 200 for the health checks and the document.
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        assert!(
            statuses.contains(&status),
            "{method} {path}: status {status} is not documented ({statuses:?}): {text}"
        );
        assert_ne!(status, 404, "{method} {path}: {text}");
        assert_ne!(status, 405, "{method} {path}: {text}");
    }
}

#[tokio::test]
async fn undocumented_methods_are_rejected() {
    let server = TestServer::start().await;
    let document = fetch_document(&server).await;
    let documented: Vec<(Method, String)> = operations(&document)
        .into_iter()
        .map(|(method, path, _)| (method, path))
        .collect();

    for template in document["paths"].as_object().expect("paths").keys() {
        let path = concrete_path(template);
        for method in METHODS {
            if documented.contains(&(method.clone(), template.clone())) {
                continue;
            }
            let response = server
                .client
                .request(method.clone(), server.url(&path))
                .send()
                .await
                .expect("sent");

            let status = response.status().as_u16();
            assert_eq!(status, 405, "{method} {path} is routed but not documented");
            let body: Value = response.json().await.expect("JSON error body");
            assert_eq!(body["code"], "method_not_allowed", "{method} {path}");
        }
    }
}

/// Reads the server's sources and returns the first argument of every
/// call that registers a route on a router, as written.
fn route_registrations(directory: &Path) -> Vec<(String, String)> {
    let mut registrations = Vec::new();
    let entries = std::fs::read_dir(directory).expect("read source directory");
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            registrations.extend(route_registrations(&path));
            continue;
        }
        if path.extension().is_none_or(|extension| extension != "rs") {
            continue;
        }
        let source = std::fs::read_to_string(&path).expect("read source file");
        for call in [".route(", ".route_service(", ".nest(", ".nest_service("] {
            for (start, _) in source.match_indices(call) {
                let rest = source[start + call.len()..].trim_start();
                let argument = rest.split(',').next().unwrap_or_default().trim();
                registrations.push((path.display().to_string(), argument.to_owned()));
            }
        }
    }
    registrations
}

#[test]
fn routes_registered_only_through_document() {
    let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");

    let registrations = route_registrations(&sources);

    // The fallbacks and the login form must be found, or the scan itself
    // is broken.
    for allowed in UNDOCUMENTED_REGISTRATIONS {
        assert!(
            registrations
                .iter()
                .any(|(_, argument)| argument == allowed),
            "no registration of {allowed} found in {}",
            sources.display()
        );
    }
    for (file, argument) in &registrations {
        assert!(
            UNDOCUMENTED_REGISTRATIONS.contains(&argument.as_str()),
            "{file} registers the route {argument} outside `openapi::documented_routes`, so the OpenAPI document does not list it"
        );
    }
}

#[tokio::test]
async fn error_code_schema_lists_sent_codes() {
    let server = TestServer::start().await;

    let document = fetch_document(&server).await;

    let codes = document["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .expect("ErrorCode values");
    assert!(!codes.contains(&Value::from("unknown")), "{codes:?}");
    for code in ["not_found", "internal", "not_ready", "invalid_import"] {
        assert!(codes.contains(&Value::from(code)), "{code} in {codes:?}");
    }
}
