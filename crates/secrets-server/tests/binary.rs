//! The real `secrets-server` binary: first start, the CLI commands, the
//! master key check and graceful shutdown.

mod common;

use std::time::{Duration, Instant};

use common::{add_member, fetch_sealing_key, login_link_from, sealed_request, sign_in, Binary};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

#[tokio::test]
async fn serve_first_start_prints_working_link() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = dir.path().join("data");
    let (mut server, base_url) = Binary::serve(&data_dir, &dir.path().join("dist"), &[]);

    let stdout = server.stdout();
    assert!(stdout.contains("Open this link in a browser"), "{stdout}");
    let link = login_link_from(&stdout).expect("login link on stdout");
    assert!(
        link.starts_with(&format!("{base_url}/login?token=")),
        "{link}"
    );

    let response = sign_in(&client(), &link).await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        "/companies/acme/settings/secrets"
    );

    assert_eq!(server.terminate(), Some(0));
    assert!(
        server.stderr().contains("server stopped"),
        "{}",
        server.stderr()
    );

    // A second start finds a company and prints no link.
    let (second, _) = Binary::serve(&data_dir, &dir.path().join("dist"), &[]);
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(
        login_link_from(&second.stdout()).is_none(),
        "{}",
        second.stdout()
    );
}

#[tokio::test]
async fn serve_shutdown_deadline_closes_stalled_request() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let timeouts = [
        "--shutdown-timeout",
        "1",
        "--body-read-timeout",
        "120",
        "--request-timeout",
        "120",
    ];
    let (mut server, base_url) = Binary::serve_with_args(
        &dir.path().join("data"),
        &dir.path().join("dist"),
        &timeouts,
        &[],
    );
    let addr = base_url.trim_start_matches("http://");

    // A request whose body stops after a few bytes stays in flight.
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = "POST /login HTTP/1.1\r\nHost: test\r\n\
                Content-Type: application/x-www-form-urlencoded\r\n\
                Content-Length: 70\r\n\r\ntoken=";
    stream.write_all(head.as_bytes()).await.expect("write");
    tokio::time::sleep(Duration::from_millis(300)).await;

    let started = Instant::now();
    server.send_sigterm();
    let exit = server.wait_at_most(Duration::from_secs(5));

    assert_eq!(exit, Some(Some(0)), "{}", server.stderr());
    assert!(started.elapsed() >= Duration::from_millis(900));
    let stderr = server.stderr();
    assert!(stderr.contains("the shutdown deadline passed"), "{stderr}");
    assert!(stderr.contains("server stopped"), "{stderr}");
}

#[tokio::test]
async fn serve_sigterm_finishes_request_in_flight() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = dir.path().join("data");
    let token = add_member(&data_dir, "acme", "ci", &[]);
    let timeouts = [
        "--shutdown-timeout",
        "20",
        "--body-read-timeout",
        "60",
        "--request-timeout",
        "60",
    ];
    let (mut server, base_url) =
        Binary::serve_with_args(&data_dir, &dir.path().join("dist"), &timeouts, &[]);
    let addr = base_url.trim_start_matches("http://").to_owned();

    // Seal a value as a client does, then send the create request's
    // headers and only the first half of its body.
    let sealing_key = fetch_sealing_key(&client(), &base_url, "acme", &token).await;
    let body = sealed_request(&sealing_key, "IN_FLIGHT", "sent during shutdown").to_string();
    let (first_half, second_half) = body.as_bytes().split_at(body.len() / 2);
    let head = format!(
        "POST /api/v1/companies/acme/secrets HTTP/1.1\r\nHost: test\r\n\
         Authorization: Bearer {token}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    stream.write_all(head.as_bytes()).await.expect("write");
    stream.write_all(first_half).await.expect("write");
    tokio::time::sleep(Duration::from_millis(300)).await;

    // After SIGTERM the server stops accepting connections.
    server.send_sigterm();
    wait_for_stderr(&server, "stopped accepting connections");
    let refused = tokio::net::TcpStream::connect(&addr).await;
    assert!(
        refused.is_err(),
        "a new connection was accepted after SIGTERM"
    );

    // The request in flight still completes with its normal response.
    stream.write_all(second_half).await.expect("write");
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response))
        .await
        .expect("response before timeout")
        .expect("read response");
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 201"), "{response}");
    assert!(response.contains(r#""key":"IN_FLIGHT""#), "{response}");

    // Then the process exits by itself, with the secret and its event
    // stored.
    let exit = server.wait_at_most(Duration::from_secs(10));
    assert_eq!(exit, Some(Some(0)), "{}", server.stderr());
    let stderr = server.stderr();
    assert!(stderr.contains("all connections closed"), "{stderr}");
    assert!(!stderr.contains("the shutdown deadline passed"), "{stderr}");
    let count = |sql: &str| common::query_count(&data_dir, sql, &[]);
    assert_eq!(
        count("SELECT COUNT(*) FROM secrets WHERE key = 'IN_FLIGHT'"),
        1
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM activity_events WHERE key = 'IN_FLIGHT' AND action = 'added'"),
        1
    );
}

/// Waits up to 10 seconds for `text` to appear in the server's stderr.
fn wait_for_stderr(server: &Binary, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !server.stderr().contains(text) {
        assert!(
            Instant::now() < deadline,
            "no {text:?} in stderr:\n{}",
            server.stderr()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn serve_help_lists_timeouts() {
    let mut help = Binary::spawn(&["serve", "--help"], &[]);

    assert_eq!(help.wait(), Some(0));
    let stdout = help.stdout();
    for option in [
        "--header-read-timeout <SECONDS>",
        "--body-read-timeout <SECONDS>",
        "--request-timeout <SECONDS>",
        "--shutdown-timeout <SECONDS>",
    ] {
        assert!(stdout.contains(option), "{option}: {stdout}");
    }
}

#[tokio::test]
async fn token_issue_prints_only_token() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = dir.path().join("data");
    let data_dir_text = data_dir.to_str().expect("UTF-8");
    Binary::create_company(&data_dir, "beta", &[]);
    Binary::run_ok(
        &[
            "member",
            "add",
            "--data-dir",
            data_dir_text,
            "--company",
            "beta",
            "--name",
            "ci",
        ],
        &[],
    );

    let mut issued = Binary::spawn(
        &[
            "token",
            "issue",
            "--data-dir",
            data_dir_text,
            "--company",
            "beta",
            "--name",
            "ci",
        ],
        &[],
    );
    assert_eq!(issued.wait(), Some(0), "{}", issued.stderr());
    let stdout = issued.stdout();
    let token = stdout.trim();
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert_eq!(token.len(), 64, "{stdout}");
    assert!(
        issued.stderr().contains("Issued API token"),
        "{}",
        issued.stderr()
    );
    assert!(!issued.stderr().contains(token), "{}", issued.stderr());

    let (_server, base_url) = Binary::serve(&data_dir, &dir.path().join("dist"), &[]);
    let url = format!("{base_url}/api/v1/companies/beta/secrets");
    let response = client()
        .get(&url)
        .bearer_auth(token)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn login_link_command_prints_link() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = dir.path().join("data");
    Binary::create_company(&data_dir, "acme", &[]);
    Binary::run_ok(
        &[
            "member",
            "add",
            "--data-dir",
            data_dir.to_str().expect("UTF-8"),
            "--conglomerate",
            "acme",
            "--name",
            "ada",
        ],
        &[],
    );
    let args = [
        "login-link",
        "--data-dir",
        data_dir.to_str().expect("UTF-8"),
        "--company",
        "acme",
        "--name",
        "ada",
        "--base-url",
        "http://example.test:9000/",
    ];

    let mut command = Binary::spawn(&args, &[]);

    assert_eq!(command.wait(), Some(0), "{}", command.stderr());
    let stdout = command.stdout();
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(
        stdout.starts_with("http://example.test:9000/login?token="),
        "{stdout}"
    );
}

#[test]
fn cli_invalid_input_rejected() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = dir.path().to_str().expect("UTF-8");
    let cases: [(&[&str], &str); 3] = [
        (
            &[
                "member",
                "add",
                "--data-dir",
                data_dir,
                "--company",
                "Acme",
                "--name",
                "x",
            ],
            "Company IDs are 1 to 63",
        ),
        (
            &[
                "member",
                "add",
                "--data-dir",
                data_dir,
                "--company",
                "acme",
                "--name",
                "",
            ],
            "member name is empty",
        ),
        (
            &[
                "login-link",
                "--data-dir",
                data_dir,
                "--company",
                "acme",
                "--name",
                " ",
            ],
            "member name is empty",
        ),
    ];
    for (args, expected) in cases {
        let mut command = Binary::spawn(args, &[]);
        assert_ne!(command.wait(), Some(0), "{args:?}");
        assert!(
            command.stderr().contains(expected),
            "{args:?}: {}",
            command.stderr()
        );
        assert!(command.stdout().is_empty(), "{args:?}");
    }
}

#[test]
fn serve_wrong_master_key_exits() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = dir.path().join("data");
    let data_dir_text = data_dir.to_str().expect("UTF-8");
    let first_key = "11".repeat(32);
    Binary::create_company(&data_dir, "acme", &[("SECRETS_MASTER_KEY", &first_key)]);

    let wrong_key = "22".repeat(32);
    let args = [
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--data-dir",
        data_dir_text,
        "--dist-dir",
        data_dir_text,
    ];
    let mut server = Binary::spawn(&args, &[("SECRETS_MASTER_KEY", &wrong_key)]);

    assert_eq!(server.wait(), Some(1));
    let stderr = server.stderr();
    assert!(stderr.contains("the master key does not match"), "{stderr}");
    assert!(
        stderr.contains("set SECRETS_MASTER_KEY to the original key"),
        "{stderr}"
    );
    assert!(!stderr.contains(&wrong_key), "{stderr}");
}

#[test]
fn serve_malformed_master_key_exits() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = dir.path().to_str().expect("UTF-8");
    let args = [
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--data-dir",
        data_dir,
        "--dist-dir",
        data_dir,
    ];

    let mut server = Binary::spawn(&args, &[("SECRETS_MASTER_KEY", "not-hex")]);

    assert_eq!(server.wait(), Some(1));
    assert!(
        server
            .stderr()
            .contains("expected 64 hexadecimal characters"),
        "{}",
        server.stderr()
    );
}

#[tokio::test]
async fn operator_commands_manage_access() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = dir.path().join("data");
    let data = data_dir.to_str().expect("UTF-8");
    let run = |args: &[&str]| {
        let args = [args, &["--data-dir", data]].concat();
        Binary::run_ok(&args, &[])
    };

    let created = run(&["conglomerate", "create", "group"]);
    assert_eq!(created.trim(), "Created conglomerate group.");
    for company in ["alpha", "beta"] {
        let created = run(&["company", "create", company, "--conglomerate", "group"]);
        assert_eq!(
            created.trim(),
            format!("Created company {company} in conglomerate group.")
        );
    }
    let added = run(&["member", "add", "--conglomerate", "group", "--name", "ana"]);
    assert!(
        added.starts_with("Added member \"ana\" to conglomerate group."),
        "{added}"
    );
    let token = run(&["token", "issue", "--company", "alpha", "--name", "ana"]);
    let token = token.trim().to_owned();

    let (_server, base_url) = Binary::serve(&data_dir, &dir.path().join("dist"), &[]);
    let status = |token: String, company: &'static str| {
        let url = format!("{base_url}/api/v1/companies/{company}/secrets");
        async move {
            client()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("sent")
                .status()
                .as_u16()
        }
    };
    assert_eq!(status(token.clone(), "alpha").await, 200);
    assert_eq!(status(token.clone(), "beta").await, 200);

    // Revoking the token stops it while the server runs.
    let listed = run(&["token", "list", "--conglomerate", "group", "--name", "ana"]);
    let id = listed.split('\t').next().expect("token ID").to_owned();
    assert!(listed.trim_end().ends_with("active"), "{listed}");
    let revoked = run(&["token", "revoke", &id]);
    assert_eq!(
        revoked.trim(),
        format!("Revoked API token {id} of member \"ana\" of conglomerate group.")
    );
    assert_eq!(status(token.clone(), "alpha").await, 401);
    let listed = run(&["token", "list", "--conglomerate", "group", "--name", "ana"]);
    assert!(listed.contains("revoked"), "{listed}");
    assert!(!listed.contains(&token), "{listed}");

    // Removing the member stops its other tokens too.
    let second = run(&["token", "issue", "--conglomerate", "group", "--name", "ana"]);
    let second = second.trim().to_owned();
    assert_eq!(status(second.clone(), "beta").await, 200);
    let removed = run(&["member", "remove", "--company", "beta", "--name", "ana"]);
    assert!(
        removed.starts_with("Removed member \"ana\" from conglomerate group"),
        "{removed}"
    );
    assert_eq!(status(second, "beta").await, 401);
}

#[test]
fn operator_commands_bad_input_rejected() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data = dir.path().to_str().expect("UTF-8");
    Binary::create_company(dir.path(), "acme", &[]);
    Binary::run_ok(
        &[
            "member",
            "add",
            "--data-dir",
            data,
            "--company",
            "acme",
            "--name",
            "ana",
        ],
        &[],
    );
    let cases: [(&[&str], &str); 11] = [
        (
            &["conglomerate", "create", "Bad_ID"],
            "Conglomerate IDs are 1 to 63",
        ),
        (
            &["conglomerate", "create", "acme"],
            "conglomerate acme already exists",
        ),
        (
            &["company", "create", "acme", "--conglomerate", "acme"],
            "company acme already exists",
        ),
        (
            &["company", "create", "new", "--conglomerate", "missing"],
            "no conglomerate missing exists",
        ),
        (
            &["member", "add", "--company", "missing", "--name", "x"],
            "no company missing exists",
        ),
        (
            &["member", "add", "--company", "acme", "--name", "ana"],
            "conglomerate acme already has a member named \"ana\"",
        ),
        (
            &[
                "member",
                "remove",
                "--conglomerate",
                "acme",
                "--name",
                "bob",
            ],
            "conglomerate acme has no member named \"bob\"",
        ),
        (
            &[
                "member",
                "add",
                "--conglomerate",
                "acme",
                "--company",
                "acme",
                "--name",
                "x",
            ],
            "cannot be used with",
        ),
        (&["token", "revoke", "999"], "no API token has the ID 999"),
        (&["token", "revoke", "abc"], "invalid value 'abc'"),
        (
            &["login-link", "--company", "acme", "--name", "bob"],
            "conglomerate acme has no member named \"bob\"",
        ),
    ];
    for (args, expected) in cases {
        let args = [args, &["--data-dir", data]].concat();
        let mut command = Binary::spawn(&args, &[]);
        assert_ne!(command.wait(), Some(0), "{args:?}");
        assert!(
            command.stderr().contains(expected),
            "{args:?}: {}",
            command.stderr()
        );
        assert!(
            command.stdout().is_empty(),
            "{args:?}: {}",
            command.stdout()
        );
    }
}

#[test]
fn missing_key_file_not_regenerated() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = dir.path().join("data");
    let data = data_dir.to_str().expect("UTF-8");
    Binary::create_company(&data_dir, "acme", &[]);
    std::fs::rename(data_dir.join("master.key"), dir.path().join("moved.key")).expect("move key");

    for args in [
        &[
            "member",
            "add",
            "--company",
            "acme",
            "--name",
            "ana",
            "--data-dir",
            data,
        ][..],
        &["serve", "--addr", "127.0.0.1:0", "--data-dir", data][..],
    ] {
        let mut command = Binary::spawn(args, &[]);
        assert_eq!(command.wait(), Some(1), "{args:?}: {}", command.stderr());
        assert!(
            command.stderr().contains("master.key"),
            "{args:?}: {}",
            command.stderr()
        );
        assert!(
            !data_dir.join("master.key").exists(),
            "{args:?} generated a new key file"
        );
    }
}
