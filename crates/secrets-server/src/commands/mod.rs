//! The command line: `serve`, `member add` and `login-link`.

mod login_link;
mod member_add;
mod rotate_master_key;
mod serve;

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Parser, Subcommand};
use secrets_core::CompanyId;

use crate::crypto::{MasterKey, MasterKeySource, MASTER_KEY_ENV};
use crate::store::{create_data_dir, MemberName, Store};

/// REST backend of the Secrets section.
///
/// The master key that encrypts values comes from the SECRETS_MASTER_KEY
/// environment variable (64 hexadecimal characters) when it is set, else
/// from DATA_DIR/master.key, which is generated on first use.
#[derive(Debug, Parser)]
#[command(name = "secrets-server", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the REST API and the SPA.
    Serve(serve::ServeArgs),
    /// Manage members.
    #[command(subcommand)]
    Member(MemberCommand),
    /// Print a one-time login link for a member (created if needed).
    LoginLink(login_link::LoginLinkArgs),
    /// Replace the master key and rewrap every data key with the new one.
    #[command(long_about = rotate_master_key::LONG_ABOUT)]
    RotateMasterKey(rotate_master_key::RotateMasterKeyArgs),
}

#[derive(Debug, Subcommand)]
enum MemberCommand {
    /// Create a member (and the company) if needed and print a new API token.
    Add(member_add::MemberAddArgs),
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Member(MemberCommand::Add(args)) => member_add::run(args),
        Command::LoginLink(args) => login_link::run(args),
        Command::RotateMasterKey(args) => rotate_master_key::run(args),
    }
}

/// Options that name a member of a company.
#[derive(Debug, clap::Args)]
struct MemberArgs {
    /// Directory of the database and the master key file.
    #[arg(long, default_value = "./data")]
    data_dir: PathBuf,
    /// Company ID: 1 to 63 characters of a-z, 0-9 and hyphens.
    #[arg(long)]
    company: CompanyId,
    /// Member name, for example `owner`.
    #[arg(long)]
    name: MemberName,
}

/// Loads the master key and opens the store in `data_dir`.
fn open_store(data_dir: &Path) -> anyhow::Result<Store> {
    // The key file lives in the data directory, so create it first.
    create_data_dir(data_dir)?;
    let (master_key, source) = MasterKey::load_or_create(data_dir).with_context(|| {
        format!(
            "failed to load the master key (set {MASTER_KEY_ENV} or check {})",
            data_dir.display()
        )
    })?;
    match &source {
        MasterKeySource::Environment => {
            tracing::info!("using the master key from {MASTER_KEY_ENV}")
        }
        MasterKeySource::File(path) => {
            tracing::info!(path = %path.display(), "using the master key file")
        }
        MasterKeySource::NewFile(path) => {
            tracing::info!(path = %path.display(), "generated a new master key file; back it up, because without it no value can be decrypted")
        }
    }
    Store::open(data_dir, master_key)
        .with_context(|| format!("failed to open the data directory {}", data_dir.display()))
}
