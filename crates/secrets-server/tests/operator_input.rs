//! Operator commands with invalid input: a data directory that does not
//! exist, a base URL that is not an HTTP URL, and member names that display
//! in another order than they are stored.

mod common;

use std::path::PathBuf;

use common::Binary;
use tempfile::TempDir;

/// Returns the `error:` line that `main` prints, without the log lines.
fn error_line(stderr: &str) -> String {
    stderr
        .lines()
        .find(|line| line.starts_with("error:"))
        .unwrap_or_default()
        .to_owned()
}

/// Creates `dir/data` with company `acme` in a conglomerate of the same ID
/// and returns its path as text.
fn data_dir_with_company(dir: &TempDir) -> String {
    let data_dir: PathBuf = dir.path().join("data");
    Binary::create_company(&data_dir, "acme", &[]);
    data_dir.to_str().expect("UTF-8").to_owned()
}

#[test]
fn command_missing_data_dir_rejected() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let missing = dir.path().join("mistyped-data");
    let missing_text = missing.to_str().expect("UTF-8");

    // Each command needs records that a new, empty database does not contain.
    let member = ["--conglomerate", "acme", "--name", "owner"];
    let commands_args: [Vec<&str>; 9] = [
        [&["token", "list"][..], &member].concat(),
        [&["token", "issue"][..], &member].concat(),
        vec!["token", "revoke", "1"],
        [&["member", "remove"][..], &member].concat(),
        [&["member", "add"][..], &member].concat(),
        vec!["login-link", "--company", "acme", "--name", "owner"],
        vec!["runner", "issue", "--company", "acme", "--name", "agents"],
        vec!["runner", "list", "--company", "acme"],
        vec!["runner", "revoke", "1"],
    ];
    for command_args in commands_args {
        let args = [&command_args[..], &["--data-dir", missing_text]].concat();
        let mut process = Binary::spawn(&args, &[]);

        assert_eq!(process.wait(), Some(1), "{args:?}: {}", process.stderr());
        let error = error_line(&process.stderr());
        assert!(
            error.contains(missing_text),
            "{args:?}: the error does not name the data directory: {error}"
        );
        assert!(
            !missing.exists(),
            "{args:?} created the data directory {missing_text}"
        );
    }
}

#[test]
fn login_link_invalid_base_url_rejected() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_text = &data_dir_with_company(&dir);
    let owner = [
        "--data-dir",
        data_text,
        "--company",
        "acme",
        "--name",
        "owner",
    ];
    Binary::run_ok(&[&["member", "add"][..], &owner].concat(), &[]);

    for base_url in ["", "not a url", "javascript:alert(1)//", "127.0.0.1:8080"] {
        let args = [&["login-link"][..], &owner, &["--base-url", base_url]].concat();
        let mut process = Binary::spawn(&args, &[]);

        assert_ne!(
            process.wait(),
            Some(0),
            "{base_url:?}: {}",
            process.stdout()
        );
        assert!(
            process.stdout().is_empty(),
            "{base_url:?} printed a link: {}",
            process.stdout()
        );
    }
}

#[test]
fn member_name_direction_control_rejected() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_text = &data_dir_with_company(&dir);

    // Descriptions reject these characters because they make the list
    // show text in another order than it is stored. Member names appear in
    // the same list and on the login page.
    for name in ["eve\u{202E}renwo", "\u{2067}owner", "owner\u{202D}"] {
        let args = [
            "member",
            "add",
            "--data-dir",
            data_text,
            "--conglomerate",
            "acme",
            "--name",
            name,
        ];
        let mut process = Binary::spawn(&args, &[]);

        assert_ne!(process.wait(), Some(0), "{name:?} was added");
        assert!(
            process.stdout().is_empty(),
            "{name:?}: {}",
            process.stdout()
        );
    }
}
