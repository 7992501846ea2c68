//! The real `secrets-server` binary: first start, the CLI commands, the
//! master key check and graceful shutdown.

mod common;

use std::time::{Duration, Instant};

use common::{login_link_from, sign_in, Binary};
use tokio::io::AsyncWriteExt;

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
