//! `secrets run`: starts a task, runs a command with the task's secrets in
//! its environment and its output masked, and finishes the task.

mod environment;
mod output;
mod signals;
mod task;

use std::ffi::OsString;
use std::io::{ErrorKind, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::time::Duration;

use secrets_core::api::StartedTask;

use crate::api::Client;
use crate::cli::RunArgs;
use crate::error::CliError;
use crate::masking::Patterns;
use crate::settings::{parse_task_id, TASK_TOKEN_VARIABLE};
use crate::token::Token;
use environment::{set_environment, TaskVariables};
use output::OutputCopy;
use signals::SignalForwarder;
use task::TaskGuard;

/// How long the command's output may stay open after the command exited,
/// because a process that it started in the background keeps it open.
const OUTPUT_GRACE: Duration = Duration::from_secs(2);

/// Runs `secrets run` and returns the exit status to exit with.
pub fn run(args: RunArgs) -> Result<u8, CliError> {
    forbid_inspection()?;
    let client = Client::new(args.server.base_url()?);
    let company = args.company.company()?;
    let runner_token = Token::runner()?;

    // Catch signals before the task starts, so that a task whose start was
    // interrupted is still finished.
    let signals = SignalForwarder::start()
        .map_err(|error| CliError::Io(format!("cannot catch signals: {error}")))?;

    let task = client
        .start_task(&company, runner_token.expose())
        .map_err(|error| runner_token.request_error(error))?;
    drop(runner_token);
    let Ok(task_id) = parse_task_id(&task.task_id) else {
        return Err(CliError::Server(format!(
            "the server sent an invalid task ID {:?}",
            task.task_id
        )));
    };

    // The guard finishes the task also when the code below panics.
    let guard = TaskGuard::new(&client, task_id, &task.task_token, &task.expires_at);
    let status = run_in_task(&client, task_id, &task, &args.command, &signals);
    guard.finish();
    status
}

/// Makes this process non-dumpable, so that other processes of the same
/// user, the command included, can neither read its environment and
/// memory under /proc nor attach to it with ptrace. Both contain the
/// runner token, and the memory also contains the task's values.
///
/// NOTE: a process with CAP_SYS_PTRACE, such as one that runs as root,
/// still can. Other systems than Linux get no such protection.
#[cfg(target_os = "linux")]
fn forbid_inspection() -> Result<(), CliError> {
    nix::sys::prctl::set_dumpable(false).map_err(|error| {
        CliError::Io(format!(
            "cannot protect this process from being read by the command (prctl \
             PR_SET_DUMPABLE failed): {error}"
        ))
    })
}

#[cfg(not(target_os = "linux"))]
fn forbid_inspection() -> Result<(), CliError> {
    Ok(())
}

/// Runs the command inside the started task and returns its exit status.
fn run_in_task(
    client: &Client,
    task_id: &str,
    task: &StartedTask,
    command_line: &[OsString],
    signals: &SignalForwarder,
) -> Result<u8, CliError> {
    if let Some(signal) = signals.received() {
        return Ok(signal_exit_code(signal));
    }
    let secrets = client.task_secrets(task_id, &task.task_token)?;

    // Prepare the command and the masks of its output.
    let (program, arguments) = command_line.split_first().expect("clap requires a command");
    let mut command = Command::new(program);
    command
        .args(arguments)
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let task_variables = TaskVariables {
        server: client.base_url(),
        task_id,
        task_token: &task.task_token,
    };
    let warnings = set_environment(&mut command, std::env::vars_os(), &secrets, &task_variables);
    for warning in warnings {
        // A closed stderr must not stop the command from running.
        let _ = writeln!(std::io::stderr(), "secrets: warning: {warning}");
    }
    let values = secrets
        .secrets
        .iter()
        .map(|secret| (secret.key.as_str(), secret.value.as_bytes()));
    let task_token = [(TASK_TOKEN_VARIABLE, task.task_token.as_bytes())];
    let patterns = Patterns::new(values.chain(task_token));
    drop(secrets);

    // Run it.
    let spawned = signals.spawn(&mut command);
    drop(command);
    let mut child = match spawned {
        Ok(Some(child)) => child,
        Ok(None) => {
            let signal = signals.received().expect("no spawn without a signal");
            return Ok(signal_exit_code(signal));
        }
        Err(error) => return Err(spawn_error(program, &error)),
    };
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    let stdout = OutputCopy::start(stdout, std::io::stdout(), Arc::clone(&patterns));
    let stderr = OutputCopy::start(stderr, std::io::stderr(), patterns);
    let status = signals
        .wait(&mut child)
        .map_err(|error| CliError::Io(format!("waiting for the command failed: {error}")))?;

    // Copy the rest of its output.
    let stdout_ended = stdout.finish_within(OUTPUT_GRACE);
    let stderr_ended = stderr.finish_within(OUTPUT_GRACE);
    if !stdout_ended || !stderr_ended {
        let _ = writeln!(
            std::io::stderr(),
            "secrets: warning: the command exited, but a process that it started keeps its \
             output open. The output is cut off, so what that process writes later is not \
             shown, and neither are final bytes that could be the start of a secret's value."
        );
    }
    Ok(exit_code(status))
}

/// Returns the exit status that a shell reports for `status`.
fn exit_code(status: ExitStatus) -> u8 {
    match (status.code(), status.signal()) {
        (Some(code), _) => u8::try_from(code).unwrap_or(1),
        (None, Some(signal)) => signal_exit_code(signal),
        (None, None) => 1,
    }
}

fn signal_exit_code(signal: i32) -> u8 {
    u8::try_from(128 + signal).unwrap_or(u8::MAX)
}

/// Returns the error for a command that could not start, with the exit
/// status that shells use: 127 when it is not found, 126 otherwise.
fn spawn_error(program: &OsString, error: &std::io::Error) -> CliError {
    let program = program.to_string_lossy();
    match error.kind() {
        ErrorKind::NotFound => CliError::Command {
            message: format!("command not found: {program}"),
            code: 127,
        },
        _ => CliError::Command {
            message: format!("cannot run {program}: {error}"),
            code: 126,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_code_passes_status_through() {
        assert_eq!(exit_code(ExitStatus::from_raw(0)), 0);
        assert_eq!(exit_code(ExitStatus::from_raw(3 << 8)), 3);
        assert_eq!(exit_code(ExitStatus::from_raw(255 << 8)), 255);
        // Killed by SIGKILL (9) and by SIGTERM (15).
        assert_eq!(exit_code(ExitStatus::from_raw(9)), 137);
        assert_eq!(exit_code(ExitStatus::from_raw(15)), 143);
    }

    #[test]
    fn spawn_error_codes_follow_shells() {
        let missing = std::io::Error::from(ErrorKind::NotFound);
        let denied = std::io::Error::from(ErrorKind::PermissionDenied);
        let program = OsString::from("tool");
        assert_eq!(spawn_error(&program, &missing).exit_code(), 127);
        assert_eq!(spawn_error(&program, &denied).exit_code(), 126);
    }
}
