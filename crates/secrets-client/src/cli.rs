//! Command-line arguments and help texts.

use std::ffi::OsString;

use clap::{Args, Parser, Subcommand};

use crate::settings::{CompanyArgs, ServerArgs};

const ABOUT: &str = "Run a command with a company's secrets, list the secrets, or add one.";

const AFTER_HELP: &str = "\
Environment variables:
  SECRETS_SERVER         base URL of the server (or --server)
  SECRETS_COMPANY        company ID (or --company)
  SECRETS_RUNNER_TOKEN   runner token that `secrets run` starts a task with
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
The runner token comes from SECRETS_RUNNER_TOKEN, never from a flag, so that
it does not appear in the process list.

The command's environment:
  - each secret of the task as a variable named by its key, with the value
    byte for byte; a secret replaces an inherited variable of the same name,
    with a warning on stderr;
  - SECRETS_SERVER, SECRETS_TASK_ID and SECRETS_TASK_TOKEN, for `secrets
    catalog`;
  - the rest of this environment, without SECRETS_RUNNER_TOKEN and
    SECRETS_TOKEN.
A secret whose value cannot be opened, contains a NUL byte, or is named like
one of the three task variables is left out with a warning; the command
still runs.

Masking: in the command's stdout and stderr, every value of 3 bytes or more
is replaced by `[masked KEY]`, and so are these forms of it:
  - standard and URL-safe base64, with or without padding, also as part of
    a longer base64 text such as an HTTP Basic credential (for values of
    about 6 bytes or more);
  - standard base64 broken into lines of 76 characters, as GNU base64
    writes it, or of 64, as PEM does, with \\n line breaks (for values of
    more than 57 or 48 bytes);
  - percent-encoding as encodeURIComponent, RFC 3986 or HTML forms write it,
    with upper- or lower-case hex digits and a space as %20 or +;
  - the escaped text inside a JSON string, with or without \\u escapes for
    non-ASCII characters.
A value with ASCII whitespace around it (a final newline, for example) is
also masked without that whitespace, in all the forms above, as long as 3
bytes or more remain.
The task token is masked as `[masked SECRETS_TASK_TOKEN]`. Values of 1 or 2
bytes are NOT masked, because such short text occurs everywhere. The limit
counts bytes of UTF-8, not characters: a value of one 2-byte character,
such as é, is not masked, and a value of one 3- or 4-byte character, such
as € or 😀, is. A value that the command changes in any other way (a part
of it, hex, compression, encryption) is not recognized, so masking is a
safety net, not a guarantee.
Output passes through as it arrives; only an end that could be the start of
a value waits for the next bytes. If a process that the command started
keeps the output open after the command exits, the output is cut after a
wait of up to 2 seconds per stream, and such a waiting end is dropped.
Standard input is passed to the command.

Exit status: the command's; 128+N when signal N ended it; 127 when the
command is not found, 126 when it cannot be executed; 1 when the task could
not be started or a local operation failed; 2 for invalid arguments.
SIGINT, SIGTERM, SIGHUP and SIGQUIT are passed on to the command, unless
the terminal sent them to the command as well (Ctrl-C, Ctrl-\\). A signal
that another process sends to the whole process group (kill -TERM -PGID)
reaches the command twice. The task is finished when the command ends, for
whatever reason, and then its token no longer works.";

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

    /// Print JSON, {\"secrets\":[{\"key\":...,\"description\":...}]}, instead of a table
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
        let help = Cli::command()
            .find_subcommand_mut("run")
            .expect("run")
            .render_long_help()
            .to_string();
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
    fn add_help_explains_the_trailing_newline() {
        let help = Cli::command()
            .find_subcommand_mut("add")
            .expect("add")
            .render_long_help()
            .to_string();
        assert!(help.contains("trailing newline is kept"), "{help}");
        assert!(help.contains("printf %s"), "{help}");
    }
}
