//! Command-line arguments and help texts.

use std::ffi::OsString;

use clap::{Args, Parser, Subcommand};

use crate::settings::{CompanyArgs, ServerArgs};

const ABOUT: &str = "Run a command with a company's secrets, list the secrets, or add one.";

const AFTER_HELP: &str = "\
Environment variables:
  SECRETS_SERVER         base URL of the server (or --server)
  SECRETS_COMPANY        company ID (or --company)
  SECRETS_RUNNER_TOKEN_FILE
                         file with the runner token that `secrets run`
                         starts a task with (recommended)
  SECRETS_RUNNER_TOKEN   that runner token itself, when the file is not set
  SECRETS_TOKEN          member API token for `secrets add`, and for
                         `secrets catalog` outside a task
  SECRETS_TASK_ID,       set by `secrets run` for its command, so that
  SECRETS_TASK_TOKEN     `secrets catalog` lists the task's secrets

Exit status: 2 for invalid arguments or input, 1 when the server rejects a
request or cannot be reached, or when reading or writing on this machine
fails. `secrets run` exits with its command's status.";

/// The `secrets` command line.
#[derive(Debug, Parser)]
#[command(name = "secrets", version, about = ABOUT, after_help = AFTER_HELP)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands of `secrets`.
#[derive(Debug, Subcommand)]
pub enum Command {
    Run(RunArgs),
    Catalog(CatalogArgs),
    Add(AddArgs),
}

const RUN_AFTER_HELP: &str = "\
The runner token comes from the file that SECRETS_RUNNER_TOKEN_FILE names,
the recommended way, or from SECRETS_RUNNER_TOKEN, never from a flag, so
that it does not appear in the process list. The file contains only the
token, optionally followed by one newline. With a file, the token is in no
environment, which every process that a shell starts inherits. The command
runs as the same user and can read the file as well, unless it is a pipe
that `secrets run` reads to its end, as in bash's
SECRETS_RUNNER_TOKEN_FILE=<(fetch-token).
On Linux, `secrets run` makes itself non-dumpable (prctl PR_SET_DUMPABLE),
so that the command and other processes of the same user can neither read
its environment or memory under /proc nor attach to it with ptrace. A
process with CAP_SYS_PTRACE, such as one that runs as root, still can.

The command's environment:
  - each secret of the task as a variable named by its key, with the value
    byte for byte; a secret replaces an inherited variable of the same name,
    with a warning on stderr;
  - SECRETS_SERVER, SECRETS_TASK_ID and SECRETS_TASK_TOKEN, for `secrets
    catalog`;
  - the rest of this environment, without SECRETS_RUNNER_TOKEN,
    SECRETS_RUNNER_TOKEN_FILE and SECRETS_TOKEN.
A secret whose value cannot be opened or contains a NUL byte is left out
with a warning, and so is a secret with a reserved key, which would change
how the command's programs run: PATH, BASH_ENV, LD_PRELOAD, NODE_OPTIONS,
any key that starts with SECRETS_, and others. New secrets cannot have such
keys, but secrets added before that rule may. The command still runs.

Masking: in the command's stdout and stderr, every value of 3 bytes or more
is replaced by `[masked KEY]`, and so are these forms of it:
  - standard and URL-safe base64, with or without padding, also as part of
    a longer base64 text such as an HTTP Basic credential (for values of
    about 6 bytes or more);
  - standard base64 broken into lines of 76 characters, as GNU base64
    writes it, or of 64, as PEM does, with \\n line breaks (for values of
    more than 57 or 48 bytes);
  - percent-encoding as encodeURIComponent, RFC 3986 or HTML forms write it,
    with upper- or lower-case hex digits and a space as %20 or +, and as
    Python's urllib.parse.quote writes it by default, with / kept;
  - the text inside a JSON string as serde_json and JavaScript's
    JSON.stringify write it: \\\", \\\\, \\n, \\r, \\t, \\b and \\f, and \\u00XX with
    lower-case hex digits for other control characters; also with every
    non-ASCII character as \\u escapes (Python's json.dumps), with / as \\/
    (PHP's json_encode, with or without those \\u escapes), and with <, >,
    &, U+2028 and U+2029 as \\u003c, \\u003e, \\u0026, \\u2028 and \\u2029
    (Go's encoding/json).
A value with ASCII whitespace around it (a final newline, for example) is
also masked without that whitespace, in all the forms above, as long as 3
bytes or more remain.
The task token is masked as `[masked SECRETS_TASK_TOKEN]`. Values of 1 or 2
bytes are NOT masked, because such short text occurs everywhere. The limit
counts bytes of UTF-8, not characters: a value of one 2-byte character,
such as é, is not masked, and a value of one 3- or 4-byte character, such
as € or 😀, is. A value that the command changes in any other way (a part
of it, hex, other JSON escapes, compression, encryption) is not recognized,
so masking is a safety net, not a guarantee.
Output passes through as it arrives; only an end that could be the start of
a value waits for the next bytes. If a process that the command started
keeps the output open after the command exits, the output is cut after a
wait of up to 2 seconds per stream, and such a waiting end is dropped.
Standard input is passed to the command.

Exit status: the command's; 128+N when signal N ended it; 127 when the
command is not found, 126 when it cannot be executed; 1 when the task could
not be started or a local operation failed; 2 for invalid arguments.
SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and SIGALRM are passed
on to the command, unless the terminal sent them to the command as well
(Ctrl-C, Ctrl-\\). A signal that another process sends to the whole process
group (kill -TERM -PGID) reaches the command twice. The task is finished
when the command ends, for whatever reason, and then its token no longer
works. SIGKILL cannot be caught: when it ends `secrets run` (kill -9), the
command keeps running, and the task and its token stay valid until the
task expires.";

/// Arguments of `secrets run`.
#[derive(Debug, Args)]
#[command(
    about = "Start a task and run a command with its secrets as environment variables",
    after_help = RUN_AFTER_HELP
)]
pub struct RunArgs {
    #[command(flatten)]
    pub server: ServerArgs,

    #[command(flatten)]
    pub company: CompanyArgs,

    /// The command to run and its arguments, after `--`
    #[arg(required = true, value_name = "COMMAND", last = true)]
    pub command: Vec<OsString>,
}

const CATALOG_AFTER_HELP: &str = "\
Inside `secrets run` (SECRETS_TASK_ID and SECRETS_TASK_TOKEN set), lists the
secrets that the task received. Elsewhere, lists the company's current
secrets with the member API token in SECRETS_TOKEN. Prints keys and
descriptions, never values.";

/// Arguments of `secrets catalog`.
#[derive(Debug, Args)]
#[command(
    about = "List the keys and descriptions of the available secrets",
    after_help = CATALOG_AFTER_HELP
)]
pub struct CatalogArgs {
    #[command(flatten)]
    pub server: ServerArgs,

    #[command(flatten)]
    pub company: CompanyArgs,

    /// Print one line of JSON, {"secrets":[{"key":"...","description":"..."}]}, instead of a table
    #[arg(long)]
    pub json: bool,
}

const ADD_AFTER_HELP: &str = "\
The value is read from standard input byte for byte, without trimming: a
trailing newline is kept as part of the value. To store a value without one,
write it with printf:

  printf %s \"$VALUE\" | secrets add API_KEY --description \"For the billing API\"
  secrets add TLS_KEY < key.pem

The value must be UTF-8 text without NUL bytes, 1 to 32,768 bytes long. It
is sealed to the company's public key before it is sent, so the server
stores it without reading it. Needs a member API token in SECRETS_TOKEN.";

/// Arguments of `secrets add`.
#[derive(Debug, Args)]
#[command(
    about = "Add a secret whose value is read from standard input",
    after_help = ADD_AFTER_HELP
)]
pub struct AddArgs {
    /// The secret's key: A-Z, 0-9 and underscores, starting with a letter
    #[arg(value_name = "KEY")]
    pub key: String,

    /// A short note that helps an agent pick this secret, at most 200 characters
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,

    #[command(flatten)]
    pub server: ServerArgs,

    #[command(flatten)]
    pub company: CompanyArgs,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn long_help(subcommand: &str) -> String {
        Cli::command()
            .find_subcommand_mut(subcommand)
            .expect("subcommand exists")
            .render_long_help()
            .to_string()
    }

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn run_takes_command_after_separator() {
        let cli = Cli::try_parse_from(["secrets", "run", "--", "sh", "-c", "echo --server"])
            .expect("valid arguments");
        let Command::Run(args) = cli.command else {
            panic!("expected run");
        };
        assert_eq!(args.command, ["sh", "-c", "echo --server"]);
    }

    #[test]
    fn run_rejects_command_without_separator() {
        let error = Cli::try_parse_from(["secrets", "run", "sh"]).expect_err("no separator");
        assert_eq!(error.exit_code(), 2);
    }

    #[test]
    fn run_requires_a_command() {
        let error = Cli::try_parse_from(["secrets", "run"]).expect_err("no command");
        assert_eq!(error.exit_code(), 2);
    }

    #[test]
    fn run_help_explains_masking() {
        let help = long_help("run");
        assert!(help.contains("1 or 2\nbytes are NOT masked"), "{help}");
        assert!(help.contains("one 3- or 4-byte character"), "{help}");
        assert!(
            help.contains("also masked without that whitespace"),
            "{help}"
        );
        assert!(help.contains("lines of 76 characters"), "{help}");
        assert!(help.contains("SIGQUIT"), "{help}");
        assert!(help.contains("reaches the command twice"), "{help}");
        assert!(help.contains("SECRETS_RUNNER_TOKEN"), "{help}");
    }

    #[test]
    fn run_help_lists_json_escapes() {
        let help = long_help("run");
        assert!(
            help.contains(r#"JSON.stringify write it: \", \\, \n, \r, \t, \b and \f"#),
            "{help}"
        );
        assert!(help.contains(r"with / as \/"), "{help}");
        assert!(help.contains(r"as \u003c, \u003e, \u0026"), "{help}");
        assert!(help.contains("urllib.parse.quote"), "{help}");
    }

    #[test]
    fn run_help_explains_token_and_signals() {
        let help = long_help("run");
        assert!(help.contains("SECRETS_RUNNER_TOKEN_FILE names"), "{help}");
        assert!(help.contains("PR_SET_DUMPABLE"), "{help}");
        assert!(help.contains("such as one that runs as root"), "{help}");
        assert!(help.contains("SIGUSR1, SIGUSR2 and SIGALRM"), "{help}");
        assert!(help.contains("SIGKILL cannot be caught"), "{help}");
        assert!(help.contains("reserved key"), "{help}");
    }

    #[test]
    fn catalog_help_shows_json_shape() {
        let help = long_help("catalog");
        assert!(
            help.contains(r#"{"secrets":[{"key":"...","description":"..."}]}"#),
            "{help}"
        );
        assert!(!help.contains('\\'), "{help}");
    }

    #[test]
    fn add_help_explains_the_trailing_newline() {
        let help = long_help("add");
        assert!(help.contains("trailing newline is kept"), "{help}");
        assert!(help.contains("printf %s"), "{help}");
    }
}
