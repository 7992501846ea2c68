//! `secrets run` and `secrets catalog` inside a task, against the real
//! server: delivery, snapshots, masking, exit statuses and signals.

mod common;

use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use common::{read_task_ids, run, wait_for_file, Server, WRITE_TASK_IDS};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};

/// Shell code that waits up to 30 seconds for the file `$2` to exist.
const WAIT_FOR_FILE_2: &str =
    r#"i=0; while [ ! -e "$2" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done"#;

/// Returns a `secrets run -- sh -c SCRIPT sh ARGS...` command with a new
/// runner token.
fn run_script(server: &Server, script: &str, args: &[&str]) -> Command {
    let mut command = server.client(&["run", "--", "sh", "-c", script, "sh"]);
    command
        .args(args)
        .env("SECRETS_RUNNER_TOKEN", server.runner_token());
    command
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Asserts that the task's token was ended: its catalog returns 401.
fn assert_finished(server: &Server, ids_file: &Path) {
    let (task_id, task_token) = read_task_ids(ids_file);
    let status = server.get_status(&format!("/api/v1/tasks/{task_id}/catalog"), &task_token);
    assert_eq!(status, 401, "task {task_id} still works");
}

/// A `secrets run` process in the background, killed when the test ends
/// before it exits.
struct Running {
    child: Child,
    stdout: Option<JoinHandle<Vec<u8>>>,
    stderr: Option<JoinHandle<Vec<u8>>>,
}

impl Running {
    /// Spawns `command` with stdin closed and its output collected.
    fn spawn(mut command: Command) -> Self {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn secrets run");
        let stdout = read_all(child.stdout.take().expect("stdout"));
        let stderr = read_all(child.stderr.take().expect("stderr"));
        Self {
            child,
            stdout: Some(stdout),
            stderr: Some(stderr),
        }
    }

    fn pid(&self) -> Pid {
        Pid::from_raw(i32::try_from(self.child.id()).expect("pid"))
    }

    /// Waits up to 30 seconds for the process to exit and returns its
    /// exit code and stderr.
    fn wait(mut self) -> (Option<i32>, String) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("poll child") {
                break status;
            }
            assert!(Instant::now() < deadline, "secrets run did not exit");
            std::thread::sleep(Duration::from_millis(20));
        };
        let join = |reader: Option<JoinHandle<Vec<u8>>>| {
            reader.map(|reader| reader.join().expect("output reader"))
        };
        join(self.stdout.take());
        let stderr = join(self.stderr.take()).unwrap_or_default();
        (status.code(), text(&stderr))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn read_all(mut pipe: impl Read + Send + 'static) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    })
}

#[test]
fn run_delivers_values_byte_for_byte() {
    let server = Server::start();
    let mut rng = StdRng::seed_from_u64(5);
    let largest: String = (0..32_768)
        .map(|_| match rng.gen_range(0..20) {
            0 => '\n',
            _ => char::from(rng.gen_range(b' '..=b'~')),
        })
        .collect();
    let values = [
        (
            "PEM",
            "-----BEGIN PRIVATE KEY-----\nMIIBVgIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n",
        ),
        ("LARGEST", largest.as_str()),
        ("UNICODE", "Grüße, 日本語, 🔑 and ünïcødé"),
        ("INDENTED", "   three leading spaces"),
    ];
    for (key, value) in values {
        server.add(key, value.as_bytes(), "");
    }

    let out_dir = tempfile::tempdir().expect("temporary directory");
    let script = r#"for key in PEM LARGEST UNICODE INDENTED; do
        eval "printf %s \"\$$key\"" > "$1/$key"
    done"#;
    let output = run(run_script(
        &server,
        script,
        &[out_dir.path().to_str().expect("UTF-8 path")],
    ));
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));

    for (key, value) in values {
        let delivered = std::fs::read(out_dir.path().join(key)).expect("delivered value");
        assert_eq!(delivered.len(), value.len(), "{key}");
        assert!(delivered == value.as_bytes(), "{key} differs");
    }
}

#[test]
fn run_task_keeps_its_snapshot() {
    let server = Server::start();
    server.add("KEY_A", b"value-one", "");
    let dir = tempfile::tempdir().expect("temporary directory");
    let ids = dir.path().join("t1-ids");
    let go = dir.path().join("go");
    let out = dir.path().join("t1-out");

    // T1 starts and waits up to 30 seconds for `go` before it writes what
    // it got.
    let script = format!(
        r#"{WRITE_TASK_IDS}
        {WAIT_FOR_FILE_2}
        printf %s "$KEY_A" > "$3""#
    );
    let paths = [&ids, &go, &out].map(|path| path.to_str().expect("UTF-8 path"));
    let first = Running::spawn(run_script(&server, &script, &paths));
    wait_for_file(&ids);

    // Replace the value while T1 runs.
    server.delete("KEY_A");
    server.add("KEY_A", b"value-two", "");

    // T2 gets the new value.
    let second = run(run_script(&server, r#"printf %s "$KEY_A""#, &[]));
    assert_eq!(second.status.code(), Some(0), "{}", text(&second.stderr));
    assert_eq!(text(&second.stdout), "[masked KEY_A]");
    let probe = dir.path().join("t2-out");
    let probe_path = probe.to_str().expect("UTF-8 path");
    run(run_script(
        &server,
        r#"printf %s "$KEY_A" > "$1""#,
        &[probe_path],
    ));
    assert_eq!(std::fs::read(&probe).expect("T2 value"), b"value-two");

    // T1's own snapshot, read with its token, still has the old value.
    let (task_id, task_token) = read_task_ids(&ids);
    let snapshot = server.get_json(&format!("/api/v1/tasks/{task_id}/secrets"), &task_token);
    assert_eq!(snapshot["secrets"][0]["key"], "KEY_A", "{snapshot}");
    assert_eq!(snapshot["secrets"][0]["value"], "value-one");
    std::fs::write(&go, b"").expect("write go");
    let (code, stderr) = first.wait();
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(std::fs::read(&out).expect("T1 value"), b"value-one");

    // T3, after the delete, has no KEY_A and runs normally.
    server.delete("KEY_A");
    let third = run(run_script(&server, r#"printf '%s' "${KEY_A-unset}""#, &[]));
    assert_eq!(third.status.code(), Some(0), "{}", text(&third.stderr));
    assert_eq!(text(&third.stdout), "unset");
    assert_eq!(text(&third.stderr), "");
}

#[test]
fn run_masks_values_and_encodings() {
    let server = Server::start();
    let value = "s3cr3t/välue+with space";
    server.add("MASKED", value.as_bytes(), "");
    server.add("SHORT", b"on", "");
    let standard = STANDARD.encode(value);
    let url_safe = URL_SAFE_NO_PAD.encode(value);
    let component = "s3cr3t%2Fv%C3%A4lue%2Bwith%20space";
    let form = "s3cr3t%2fv%c3%a4lue%2bwith+space";

    let script = r#"printf 'raw=%s\n' "$MASKED"
        printf 'base64=%s url-safe=%s\n' "$1" "$2"
        printf 'component=%s form=%s\n' "$3" "$4"
        printf %s "$MASKED" | base64
        printf 'short=%s\n' "$SHORT"
        printf 'stderr=%s\n' "$MASKED" >&2"#;
    let output = run(run_script(
        &server,
        script,
        &[&standard, &url_safe, component, form],
    ));
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stdout),
        "raw=[masked MASKED]\n\
         base64=[masked MASKED] url-safe=[masked MASKED]\n\
         component=[masked MASKED] form=[masked MASKED]\n\
         [masked MASKED]\n\
         short=on\n"
    );
    assert_eq!(text(&output.stderr), "stderr=[masked MASKED]\n");
}

#[test]
fn run_masks_forms_of_python_php_and_go() {
    let server = Server::start();
    server.add(
        "AWS_SECRET",
        b"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        "",
    );
    server.add("HOOK_URL", b"https://hooks.example.com/x?a=1&b=<2>", "");
    let printed = [
        // Python's urllib.parse.quote, which keeps `/`.
        "wJalrXUtnFEMI/K7MDENG%2BbPxRfiCYEXAMPLEKEY",
        // PHP's json_encode, which writes `/` as `\/`.
        r"wJalrXUtnFEMI\/K7MDENG+bPxRfiCYEXAMPLEKEY",
        r"https:\/\/hooks.example.com\/x?a=1&b=<2>",
        // Go's encoding/json, which escapes `&`, `<` and `>`.
        r"https://hooks.example.com/x?a=1\u0026b=\u003c2\u003e",
    ];

    let output = run(run_script(&server, r#"printf '%s\n' "$@""#, &printed));
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stdout),
        "[masked AWS_SECRET]\n[masked AWS_SECRET]\n[masked HOOK_URL]\n[masked HOOK_URL]\n"
    );
}

#[test]
fn run_masks_value_without_trailing_newline() {
    let server = Server::start();
    server.add("TRIMMED", b"trimmed value/1\n", "");
    let standard = STANDARD.encode("trimmed value/1");
    let component = "trimmed%20value%2F1";

    // `${TRIMMED%?}` removes the value's last character, its newline. A
    // newline right after it would make the whole value, so `;` follows.
    let script = r#"printf 'raw=%s;\n' "${TRIMMED%?}"
        printf 'base64=%s\n' "$(printf %s "${TRIMMED%?}" | base64)"
        printf 'component=%s\n' "$1""#;
    let output = run(run_script(&server, script, &[component]));
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(
        stdout,
        "raw=[masked TRIMMED];\n\
         base64=[masked TRIMMED]\n\
         component=[masked TRIMMED]\n"
    );
    assert!(!stdout.contains("trimmed value"), "{stdout}");
    assert!(!stdout.contains(&standard), "{stdout}");
}

#[test]
fn run_masks_line_wrapped_base64() {
    let server = Server::start();
    // 88 bytes, whose base64 of 120 characters takes two lines at 76
    // columns and two at 64.
    let pem = "-----BEGIN PRIVATE KEY-----\nMIIBVgIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n";
    server.add("PEM", pem.as_bytes(), "");

    let script = r#"printf %s "$PEM" | base64
        printf %s "$PEM" | base64 -w 64
        printf %s "${PEM%?}" | base64
        printf %s "${PEM%?}" | base64 -w 64"#;
    let output = run(run_script(&server, script, &[]));
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(stdout, "[masked PEM]\n".repeat(4));
}

#[test]
fn run_passes_other_output_unchanged() {
    let server = Server::start();
    server.add("MASKED", b"a value that random bytes do not contain", "");

    // Every byte value, random bytes, and a line longer than a pipe buffer.
    let mut bytes: Vec<u8> = (0..=u8::MAX).cycle().take(256 * 4).collect();
    let mut random = vec![0u8; 100_000];
    StdRng::seed_from_u64(11).fill_bytes(&mut random);
    bytes.extend_from_slice(&random);
    bytes.extend(std::iter::repeat_n(b'x', 200_000));
    bytes.push(b'\n');
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("output.bin");
    std::fs::write(&file, &bytes).expect("write output file");

    let output = run(run_script(
        &server,
        r#"cat "$1"; cat "$1" >&2"#,
        &[file.to_str().expect("UTF-8 path")],
    ));
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(output.stdout.len(), bytes.len());
    assert!(output.stdout == bytes, "stdout differs");
    assert!(output.stderr == bytes, "stderr differs");
}

#[test]
fn run_passes_exit_status_through() {
    let server = Server::start();
    let dir = tempfile::tempdir().expect("temporary directory");
    let cases = [
        ("exit 0", 0),
        ("exit 3", 3),
        ("kill -KILL $$", 128 + 9),
        ("kill -TERM $$", 128 + 15),
    ];
    for (index, (command, expected)) in cases.into_iter().enumerate() {
        let ids = dir.path().join(format!("ids-{index}"));
        let script = format!("{WRITE_TASK_IDS}\n{command}");
        let output = run(run_script(
            &server,
            &script,
            &[ids.to_str().expect("UTF-8 path")],
        ));
        assert_eq!(output.status.code(), Some(expected), "{command}");
        assert_finished(&server, &ids);
    }
}

#[test]
fn run_passes_signals_and_finishes() {
    let server = Server::start();
    let dir = tempfile::tempdir().expect("temporary directory");
    let cases = [
        (Signal::SIGTERM, "trap 'exit 7' TERM", 7),
        (Signal::SIGINT, "trap 'exit 8' INT", 8),
        (Signal::SIGHUP, "trap 'exit 9' HUP", 9),
        (Signal::SIGQUIT, "trap 'exit 10' QUIT", 10),
        (Signal::SIGUSR1, "trap 'exit 11' USR1", 11),
        (Signal::SIGUSR2, "trap 'exit 12' USR2", 12),
        (Signal::SIGALRM, "trap 'exit 13' ALRM", 13),
        (Signal::SIGUSR1, "", 128 + 10),
        (Signal::SIGTERM, "", 128 + 15),
    ];
    for (index, (signal, trap, expected)) in cases.into_iter().enumerate() {
        let ids = dir.path().join(format!("ids-{index}"));
        // The command waits for a file that never appears, so only the
        // signal ends it before 30 seconds.
        let script = format!("{trap}\n{WRITE_TASK_IDS}\n{WAIT_FOR_FILE_2}");
        let never = dir.path().join("never");
        let paths = [&ids, &never].map(|path| path.to_str().expect("UTF-8 path"));
        let running = Running::spawn(run_script(&server, &script, &paths));
        wait_for_file(&ids);

        kill(running.pid(), signal).expect("send signal");
        let started = Instant::now();
        let (code, stderr) = running.wait();
        assert_eq!(code, Some(expected), "{signal}: {stderr}");
        assert!(started.elapsed() < Duration::from_secs(10));
        assert_finished(&server, &ids);
    }
}

#[test]
fn run_survives_closed_stderr() {
    let server = Server::start();
    server.add("INHERITED", b"from-the-task", "");
    let dir = tempfile::tempdir().expect("temporary directory");
    let ids = dir.path().join("ids");

    // The secret replaces an inherited variable, so `secrets run` writes a
    // warning to its stderr, a pipe whose reader is gone.
    let mut command = run_script(
        &server,
        &format!("{WRITE_TASK_IDS}\nexit 3"),
        &[ids.to_str().expect("UTF-8 path")],
    );
    command.env("INHERITED", "from-the-parent");
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let output = command
        .stdin(Stdio::null())
        .stderr(writer)
        .output()
        .expect("run secrets run");
    assert_eq!(output.status.code(), Some(3));
    assert_finished(&server, &ids);
}

#[test]
fn run_catalog_inside_task() {
    let server = Server::start();
    server.add("API_KEY", b"canary-catalog-1", "For the billing API");
    server.add("DB_URL", b"canary-catalog-2", "");
    let client = common::client_binary().to_str().expect("UTF-8 path");

    let output = run(run_script(
        &server,
        r#""$1" catalog && "$1" catalog --json"#,
        &[client],
    ));
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let (table, json) = stdout.split_once("{").expect("JSON after the table");
    assert_eq!(
        table,
        "KEY      DESCRIPTION\nAPI_KEY  For the billing API\nDB_URL\n"
    );
    let catalog: serde_json::Value = serde_json::from_str(&format!("{{{json}")).expect("JSON");
    assert_eq!(catalog["secrets"][0]["key"], "API_KEY");
    assert_eq!(catalog["secrets"][0]["description"], "For the billing API");
    assert!(!stdout.contains("canary"), "{stdout}");
    assert!(!stdout.contains("[masked"), "{stdout}");
}

#[test]
fn run_hides_tokens_from_command() {
    let server = Server::start();
    let mut command = run_script(
        &server,
        r#"printf 'runner=%s member=%s task=%s\n' "${SECRETS_RUNNER_TOKEN-unset}" "${SECRETS_TOKEN-unset}" "$SECRETS_TASK_TOKEN""#,
        &[],
    );
    command.env("SECRETS_TOKEN", &server.member_token);
    let output = run(command);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stdout),
        "runner=unset member=unset task=[masked SECRETS_TASK_TOKEN]\n"
    );
}

#[test]
fn run_reports_missing_command() {
    let server = Server::start();
    let mut command = server.client(&["run", "--", "/nonexistent/tool"]);
    command.env("SECRETS_RUNNER_TOKEN", server.runner_token());
    let output = run(command);
    assert_eq!(output.status.code(), Some(127));
    assert_eq!(
        text(&output.stderr),
        "secrets: command not found: /nonexistent/tool\n"
    );
}

#[test]
fn run_rejects_invalid_runner_token() {
    let server = Server::start();
    let mut command = server.client(&["run", "--", "true"]);
    command.env("SECRETS_RUNNER_TOKEN", "not-a-runner-token");
    let output = run(command);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with(
            "secrets: the server did not accept the runner token in SECRETS_RUNNER_TOKEN \
             (HTTP 401, code unauthorized). Check that SECRETS_RUNNER_TOKEN contains a \
             runner token from `secrets-server runner issue`"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("not-a-runner-token"), "{stderr}");
}

#[test]
fn run_leaves_out_reserved_keys() {
    let server = Server::start();
    // New secrets cannot have reserved keys, so the keys are changed in the
    // database, as secrets stored before the rule existed have them.
    server.add("OLD_BASH_ENV", b"/nonexistent/startup.sh", "");
    server.add("OLD_LD_PRELOAD", b"/nonexistent/preload.so", "");
    server.add("OLD_TASK_ID", b"not-the-task-id", "");
    server.add("KEPT", b"kept-value", "");
    server.rename_secret("OLD_BASH_ENV", "BASH_ENV");
    server.rename_secret("OLD_LD_PRELOAD", "LD_PRELOAD");
    server.rename_secret("OLD_TASK_ID", "SECRETS_TASK_ID");

    let script = r#"printf '%s|%s|%s\n' "${BASH_ENV-unset}" "${LD_PRELOAD-unset}" "$KEPT"
        case "$SECRETS_TASK_ID" in *[!0-9a-f]*) echo "task ID replaced";; esac"#;
    let output = run(run_script(&server, script, &[]));
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(text(&output.stdout), "unset|unset|[masked KEPT]\n");
    let warnings: Vec<&str> = stderr.lines().collect();
    assert_eq!(warnings.len(), 3, "{stderr}");
    for (warning, key) in warnings
        .iter()
        .zip(["BASH_ENV", "LD_PRELOAD", "SECRETS_TASK_ID"])
    {
        let expected = format!(
            "secrets: warning: the secret {key} is not set, because {key} is a reserved key. \
             As an environment variable, it would change how the programs of the task run"
        );
        assert!(warning.starts_with(&expected), "{warning}");
    }
}

/// Returns `command` run as the user nobody when the tests run as root,
/// who may read every process's memory, or else `command` itself.
fn as_unprivileged_user(command: Command) -> Command {
    let user = std::fs::metadata("/proc/self").expect("/proc/self").uid();
    if user != 0 {
        return command;
    }
    let mut unprivileged = Command::new("setpriv");
    unprivileged
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(command.get_program())
        .args(command.get_args())
        .env_clear();
    for (name, value) in command.get_envs() {
        if let Some(value) = value {
            unprivileged.env(name, value);
        }
    }
    unprivileged
}

#[test]
fn run_hides_its_environment_from_command() {
    let server = Server::start();
    // The command runs as the same user as `secrets run`, its parent, and
    // tries to read the parent's environment and memory.
    let script = r#"tr '\0' '\n' < "/proc/$PPID/environ"; echo "environ=$?"
        cat "/proc/$PPID/mem" > /dev/null; echo "mem=$?""#;
    let mut command = run_script(&server, script, &[]);
    command.env("SECRETS_TOKEN", &server.member_token);
    let output = run(as_unprivileged_user(command));
    let stdout = text(&output.stdout);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(stdout, "environ=2\nmem=1\n", "{stderr}");
    assert!(!stdout.contains("SECRETS_RUNNER_TOKEN"), "{stdout}");
    assert!(!stdout.contains(&server.member_token), "{stdout}");
    assert_eq!(stderr.matches("Permission denied").count(), 2, "{stderr}");
}

#[test]
fn run_reads_runner_token_from_file() {
    let server = Server::start();
    server.add("API_KEY", b"value-from-task", "");
    let dir = tempfile::tempdir().expect("temporary directory");
    let token_file = dir.path().join("runner-token");
    std::fs::write(&token_file, format!("{}\n", server.runner_token())).expect("write token");

    let script = r#"printf '%s %s\n' "$API_KEY" "${SECRETS_RUNNER_TOKEN_FILE-unset}""#;
    let mut command = server.client(&["run", "--", "sh", "-c", script]);
    command.env("SECRETS_RUNNER_TOKEN_FILE", &token_file);
    let output = run(command);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "[masked API_KEY] unset\n");

    // Both ways at once are rejected before any request.
    let mut command = server.client(&["run", "--", "true"]);
    command
        .env("SECRETS_RUNNER_TOKEN_FILE", &token_file)
        .env("SECRETS_RUNNER_TOKEN", server.runner_token());
    let output = run(command);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        text(&output.stderr),
        "secrets: both SECRETS_RUNNER_TOKEN_FILE and SECRETS_RUNNER_TOKEN are set. Unset one \
         of them.\n"
    );

    // A rejected token names its file.
    let wrong_file = dir.path().join("wrong-token");
    std::fs::write(&wrong_file, "0123abcd").expect("write token");
    let mut command = server.client(&["run", "--", "true"]);
    command.env("SECRETS_RUNNER_TOKEN_FILE", &wrong_file);
    let output = run(command);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let source = format!(
        "the file {} (SECRETS_RUNNER_TOKEN_FILE)",
        wrong_file.display()
    );
    assert!(
        stderr.contains(&format!(
            "did not accept the runner token in {source} (HTTP 401"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("Check that {source} contains")),
        "{stderr}"
    );

    // A missing file is reported as a failed read.
    let mut command = server.client(&["run", "--", "true"]);
    command.env("SECRETS_RUNNER_TOKEN_FILE", dir.path().join("missing"));
    let output = run(command);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("reading the runner token from the file"),
        "{stderr}"
    );
}
