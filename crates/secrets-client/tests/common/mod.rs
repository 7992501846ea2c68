//! Helpers of the client's integration tests: the real `secrets-server`
//! binary over a fresh data directory, the real `secrets` binary, and raw
//! HTTP requests with `ureq`.

#![allow(
    dead_code,
    reason = "each test file uses a different subset of the helpers"
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// The company that every test server has.
pub const COMPANY: &str = "acme";

/// Returns the path of the `secrets` binary under test.
pub fn client_binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_secrets"))
}

/// Builds the `secrets-server` binary once per test process and returns
/// its path. Cargo builds only the library of another package for a test,
/// so the binary is built here, with the test's own profile and target
/// directory.
pub fn server_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        // The test runs as `<target>/<profile>/deps/<test>-<hash>`.
        let test_executable = std::env::current_exe().expect("test executable");
        let profile_dir = test_executable
            .parent()
            .and_then(Path::parent)
            .expect("profile directory");
        let profile = match profile_dir.file_name().and_then(|name| name.to_str()) {
            Some("debug") | None => "dev",
            Some(name) => name,
        };
        let target_dir = profile_dir.parent().expect("target directory");
        let status = Command::new(env!("CARGO"))
            .args([
                "build",
                "--quiet",
                "-p",
                "secrets-server",
                "--bin",
                "secrets-server",
            ])
            .args(["--profile", profile])
            .arg("--target-dir")
            .arg(target_dir)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("run cargo build");
        assert!(status.success(), "cargo build -p secrets-server failed");
        profile_dir.join("secrets-server")
    })
}

/// A `secrets-server` process on a free port of 127.0.0.1, over a data
/// directory with the company [`COMPANY`] and its member `owner`.
pub struct Server {
    pub dir: TempDir,
    pub base_url: String,
    pub member_token: String,
    child: Child,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    /// Creates the data directory, the company and its member, and starts
    /// the server.
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let data_dir = dir.path().join("data");
        operator(&data_dir, &["conglomerate", "create", COMPANY]);
        operator(
            &data_dir,
            &["company", "create", COMPANY, "--conglomerate", COMPANY],
        );
        operator(
            &data_dir,
            &["member", "add", "--company", COMPANY, "--name", "owner"],
        );
        let member_token = operator(
            &data_dir,
            &["token", "issue", "--company", COMPANY, "--name", "owner"],
        );

        let mut child = Command::new(server_binary())
            .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
            .arg(&data_dir)
            .arg("--dist-dir")
            .arg(dir.path().join("dist"))
            .env_remove("RUST_LOG")
            .env_remove("SECRETS_MASTER_KEY")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn secrets-server");
        let stderr = collect_lines(child.stderr.take().expect("stderr"));
        let base_url = wait_for_base_url(&stderr);
        Self {
            dir,
            base_url,
            member_token,
            child,
            stderr,
        }
    }

    /// Returns the data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Runs an operator command over the data directory and returns its
    /// stdout without surrounding whitespace.
    pub fn operator(&self, args: &[&str]) -> String {
        operator(&self.data_dir(), args)
    }

    /// Issues a runner with a name of its own and returns its token.
    pub fn runner_token(&self) -> String {
        static RUNNERS: AtomicUsize = AtomicUsize::new(0);
        let name = format!("runner-{}", RUNNERS.fetch_add(1, Ordering::Relaxed));
        self.operator(&["runner", "issue", "--company", COMPANY, "--name", &name])
    }

    /// Returns the server's log so far.
    pub fn log(&self) -> String {
        self.stderr.lock().expect("log lock").clone()
    }

    /// Returns a `secrets` command with an empty environment except
    /// `PATH`, the server URL and the company.
    pub fn client(&self, args: &[&str]) -> Command {
        let mut command = Command::new(client_binary());
        command
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("SECRETS_SERVER", &self.base_url)
            .env("SECRETS_COMPANY", COMPANY);
        command
    }

    /// Adds a secret with `secrets add`, the value on stdin, and asserts
    /// that it succeeded.
    pub fn add(&self, key: &str, value: &[u8], description: &str) {
        let mut command = self.client(&["add", key, "--description", description]);
        command.env("SECRETS_TOKEN", &self.member_token);
        let output = run_with_stdin(command, value);
        assert_eq!(
            output.status.code(),
            Some(0),
            "secrets add {key}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Deletes a secret through the API with the member token.
    pub fn delete(&self, key: &str) {
        let url = format!("{}/api/v1/companies/{COMPANY}/secrets/{key}", self.base_url);
        let response = ureq::delete(&url)
            .set("Authorization", &format!("Bearer {}", self.member_token))
            .call()
            .expect("delete request");
        assert_eq!(response.status(), 204, "delete {key}");
    }

    /// Changes the key of a stored secret in the database, behind the API's
    /// back, which rejects reserved keys for new secrets. The server reads
    /// the new key from the next task on.
    pub fn rename_secret(&self, key: &str, new_key: &str) {
        let database = rusqlite::Connection::open(self.data_dir().join("secrets.db"))
            .expect("open the database");
        database
            .busy_timeout(Duration::from_secs(10))
            .expect("busy timeout");
        let changed = database
            .execute(
                "UPDATE secrets SET key = ?1 WHERE company_id = ?2 AND key = ?3",
                (new_key, COMPANY, key),
            )
            .expect("rename the secret");
        assert_eq!(changed, 1, "no secret {key}");
    }

    /// Returns the status of a GET of `path` with a bearer token.
    pub fn get_status(&self, path: &str, token: &str) -> u16 {
        let url = format!("{}{path}", self.base_url);
        let response = ureq::get(&url)
            .set("Authorization", &format!("Bearer {token}"))
            .call();
        match response {
            Ok(response) => response.status(),
            Err(ureq::Error::Status(status, _)) => status,
            Err(error) => panic!("GET {path}: {error}"),
        }
    }

    /// Returns the JSON body of a GET of `path` with a bearer token, and
    /// asserts 200.
    pub fn get_json(&self, path: &str, token: &str) -> serde_json::Value {
        let url = format!("{}{path}", self.base_url);
        let response = ureq::get(&url)
            .set("Authorization", &format!("Bearer {token}"))
            .call()
            .expect("GET succeeded");
        serde_json::from_reader(response.into_reader()).expect("JSON body")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a `secrets-server` operator command over `data_dir`, asserts that
/// it succeeded and returns its stdout without surrounding whitespace.
pub fn operator(data_dir: &Path, args: &[&str]) -> String {
    let output = Command::new(server_binary())
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("RUST_LOG")
        .env_remove("SECRETS_MASTER_KEY")
        .stdin(Stdio::null())
        .output()
        .expect("run secrets-server");
    assert!(
        output.status.success(),
        "secrets-server {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("UTF-8 output")
        .trim()
        .to_owned()
}

/// Runs `command` with `input` on stdin and returns its output.
pub fn run_with_stdin(mut command: Command, input: &[u8]) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn command");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        // The command may exit before it reads everything.
        let _ = stdin.write_all(&input);
    });
    let output = child.wait_with_output().expect("command output");
    writer.join().expect("stdin writer");
    output
}

/// Runs `command` with stdin closed and returns its output.
pub fn run(mut command: Command) -> Output {
    command.stdin(Stdio::null()).output().expect("run command")
}

/// Waits up to 30 seconds for `path` to exist.
pub fn wait_for_file(path: &Path) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "{} did not appear",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Reads `path`, which a command wrote as `task ID, newline, task token`.
pub fn read_task_ids(path: &Path) -> (String, String) {
    let text = std::fs::read_to_string(path).expect("task IDs file");
    let mut lines = text.lines();
    let task_id = lines.next().expect("task ID").to_owned();
    let task_token = lines.next().expect("task token").to_owned();
    (task_id, task_token)
}

/// Shell code that writes the task ID and token to the file `$1` before
/// the rest of a command runs.
pub const WRITE_TASK_IDS: &str =
    r#"printf '%s\n%s\n' "$SECRETS_TASK_ID" "$SECRETS_TASK_TOKEN" > "$1.tmp" && mv "$1.tmp" "$1""#;

fn collect_lines(pipe: impl Read + Send + 'static) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let writer = Arc::clone(&text);
    std::thread::spawn(move || {
        let mut reader = BufReader::new(pipe);
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap_or(0) > 0 {
            writer.lock().expect("log lock").push_str(&line);
            line.clear();
        }
    });
    text
}

fn wait_for_base_url(stderr: &Mutex<String>) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let log = stderr.lock().expect("log lock").clone();
        if let Some(rest) = log.split("listening on ").nth(1) {
            return rest.split_whitespace().next().expect("URL").to_owned();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!(
        "the server did not start; its log:\n{}",
        stderr.lock().expect("log lock")
    );
}
