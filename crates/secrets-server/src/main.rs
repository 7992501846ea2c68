//! Command-line entry point of `secrets-server`.

use std::process::ExitCode;

use clap::Parser;
use secrets_server::commands::{self, Cli};

fn main() -> ExitCode {
    let cli = Cli::parse();
    secrets_server::logging::init();

    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // `{:#}` prints the whole chain of causes on one line.
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
