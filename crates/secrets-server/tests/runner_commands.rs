//! The operator commands `runner issue`, `runner list` and `runner revoke`
//! of the real binary, against a running server.

mod common;

use std::path::Path;

use common::Binary;
use secrets_core::api::StartedTask;

fn runner_args<'a>(command: &[&'a str], data_dir: &'a str) -> Vec<&'a str> {
    [&["runner"][..], command, &["--data-dir", data_dir]].concat()
}

fn run(data_dir: &Path, command: &[&str]) -> Binary {
    let data_dir = data_dir.to_str().expect("UTF-8");
    let mut process = Binary::spawn(&runner_args(command, data_dir), &[]);
    process.wait();
    process
}

#[tokio::test]
async fn runner_commands_manage_runners() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = dir.path().join("data");
    Binary::create_company(&data_dir, "acme", &[]);

    let issued = run(
        &data_dir,
        &["issue", "--company", "acme", "--name", "agents"],
    );

    // The token alone on stdout, the ID and how to revoke on stderr.
    let token = issued.stdout();
    let token = token.strip_suffix('\n').expect("one line");
    assert_eq!(token.len(), 64, "{token}");
    assert!(token.chars().all(|c| c.is_ascii_hexdigit()), "{token}");
    let stderr = issued.stderr();
    assert!(
        stderr.contains("Issued runner 1 (\"agents\") for company acme"),
        "{stderr}"
    );
    assert!(
        stderr.contains("secrets-server runner revoke 1"),
        "{stderr}"
    );
    assert!(!stderr.contains(token), "{stderr}");

    let listed = run(&data_dir, &["list", "--company", "acme"]).stdout();
    let fields: Vec<&str> = listed.trim_end().split('\t').collect();
    assert_eq!(fields.len(), 4, "{listed}");
    assert_eq!(&fields[..2], ["1", "agents"], "{listed}");
    assert!(fields[2].starts_with("issued 20"), "{listed}");
    assert_eq!(fields[3], "active", "{listed}");
    assert!(!listed.contains(token), "{listed}");

    // The token starts a task on a running server.
    let (mut server, base_url) = Binary::serve(&data_dir, &dir.path().join("dist"), &[]);
    let client = reqwest::Client::new();
    let start = || {
        client
            .post(format!("{base_url}/api/v1/companies/acme/tasks"))
            .bearer_auth(token)
            .send()
    };
    let response = start().await.expect("sent");
    assert_eq!(response.status(), 201);
    let task: StartedTask = response.json().await.expect("JSON task");

    // Revoking ends the running task and the next start.
    let revoked = run(&data_dir, &["revoke", "1"]);
    assert_eq!(
        revoked.stdout(),
        "Runner 1 (\"agents\") of company acme is revoked. Running tasks ended: 1.\n"
    );
    assert_eq!(start().await.expect("sent").status(), 401);
    let read = client
        .get(format!("{base_url}/api/v1/tasks/{}/catalog", task.task_id))
        .bearer_auth(&*task.task_token)
        .send()
        .await
        .expect("sent");
    assert_eq!(read.status(), 401);

    let listed = run(&data_dir, &["list", "--company", "acme"]).stdout();
    assert!(listed.trim_end().contains("\trevoked 20"), "{listed}");
    let again = run(&data_dir, &["revoke", "1"]).stdout();
    assert!(again.contains("was already revoked"), "{again}");

    assert_eq!(server.terminate(), Some(0));
    assert!(
        !server.stderr().contains(token),
        "the log contains the runner token"
    );
}

#[test]
fn runner_commands_bad_input_rejected() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = dir.path().join("data");
    Binary::create_company(&data_dir, "acme", &[]);

    let cases: [(&[&str], i32, &str); 6] = [
        (
            &["issue", "--company", "nope", "--name", "agents"],
            1,
            "no company nope exists",
        ),
        (
            &["issue", "--company", "acme", "--name", "two\nlines"],
            2,
            "runner names are at most 100 characters on one line",
        ),
        (
            &["issue", "--company", "acme", "--name", " "],
            2,
            "the runner name is empty",
        ),
        (
            &["issue", "--company", "Acme", "--name", "agents"],
            2,
            "Company IDs",
        ),
        (&["list", "--company", "nope"], 1, "no company nope exists"),
        (&["revoke", "99"], 1, "no runner has the ID 99"),
    ];
    for (command, code, message) in cases {
        let data_dir_text = data_dir.to_str().expect("UTF-8");
        let mut process = Binary::spawn(&runner_args(command, data_dir_text), &[]);
        assert_eq!(
            process.wait(),
            Some(code),
            "{command:?}: {}",
            process.stderr()
        );
        let stderr = process.stderr();
        assert!(stderr.contains(message), "{command:?}: {stderr}");
        assert!(process.stdout().is_empty(), "{command:?}");
    }
    let listed = run(&data_dir, &["list", "--company", "acme"]).stdout();
    assert_eq!(listed, "Company acme has no runners.\n");
}

#[test]
fn serve_help_lists_task_options() {
    let mut help = Binary::spawn(&["serve", "--help"], &[]);

    assert_eq!(help.wait(), Some(0));
    let stdout = help.stdout();
    for option in [
        "--task-lifetime <SECONDS>",
        "[default: 86400]",
        "--task-burst <COUNT>",
        "--task-starts-per-minute <COUNT>",
        "[default: 120]",
    ] {
        assert!(stdout.contains(option), "{option}: {stdout}");
    }
}

#[test]
fn task_lifetime_over_a_year_rejected() {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let data_dir_text = data_dir.path().to_str().expect("UTF-8");
    // One second over a year, and zero.
    for lifetime in ["31536001", "0"] {
        let mut serve = Binary::spawn(
            &[
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--data-dir",
                data_dir_text,
                "--task-lifetime",
                lifetime,
            ],
            &[],
        );
        assert_eq!(serve.wait(), Some(2), "{lifetime}: {}", serve.stderr());
        assert!(serve.stderr().contains("--task-lifetime"), "{lifetime}");
    }
}
