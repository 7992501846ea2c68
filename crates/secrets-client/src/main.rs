//! `secrets`: the command-line client of the Secrets section, for agents'
//! sandboxes and for scripts.
//!
//! - `secrets run -- COMMAND` starts a task of the company, runs the
//!   command with the task's secrets as environment variables, masks the
//!   values in its output and finishes the task.
//! - `secrets catalog` lists the keys and descriptions of the secrets.
//! - `secrets add KEY` seals a value from standard input to the company's
//!   public key and saves it.

mod add;
mod api;
mod catalog;
mod cli;
mod error;
mod masking;
mod run;
mod settings;
#[cfg(test)]
mod test_server;
mod token;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Catalog(args) => catalog::catalog(args).map(|()| 0),
        Command::Add(args) => add::add(args).map(|()| 0),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            // A closed stderr must not turn the error into a panic.
            let _ = writeln!(std::io::stderr(), "secrets: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}
