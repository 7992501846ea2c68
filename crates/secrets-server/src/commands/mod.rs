//! The command line: `serve`, and the operator commands that manage
//! conglomerates, companies, members, tokens, runners and login links, and
//! rotate the master key.

mod login_link;
mod members;
mod organization;
mod rotate_master_key;
mod runners;
mod serve;
mod tokens;

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use secrets_core::CompanyId;

use crate::crypto::{MasterKey, MasterKeySource, MASTER_KEY_ENV};
use crate::store::{
    create_data_dir, postgres_is_installed, ConglomerateId, MemberName, Store, DATABASE_FILE,
    DEFAULT_MAX_CONNECTIONS,
};

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
    /// Manage conglomerates: groups of companies whose members manage all
    /// of their secrets.
    #[command(subcommand)]
    Conglomerate(ConglomerateCommand),
    /// Manage companies.
    #[command(subcommand)]
    Company(CompanyCommand),
    /// Manage the members of a conglomerate.
    #[command(subcommand)]
    Member(MemberCommand),
    /// Manage a member's API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage a company's runners: the credentials that start its tasks.
    #[command(subcommand)]
    Runner(RunnerCommand),
    /// Print a one-time login link that signs a member in to a company's
    /// Secrets section.
    LoginLink(login_link::LoginLinkArgs),
    /// Replace the master key and rewrap every data key with the new one.
    #[command(long_about = rotate_master_key::LONG_ABOUT)]
    RotateMasterKey(rotate_master_key::RotateMasterKeyArgs),
}

#[derive(Debug, Subcommand)]
enum ConglomerateCommand {
    /// Create an empty conglomerate.
    Create(organization::ConglomerateCreateArgs),
}

#[derive(Debug, Subcommand)]
enum CompanyCommand {
    /// Create a company in an existing conglomerate.
    Create(organization::CompanyCreateArgs),
}

#[derive(Debug, Subcommand)]
enum MemberCommand {
    /// Add a member to a conglomerate.
    Add(MemberArgs),
    /// Remove a member from a conglomerate and end its sessions, tokens and
    /// login links at once.
    Remove(MemberArgs),
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Issue an API token and print it on stdout. It is shown only once.
    Issue(MemberArgs),
    /// List the IDs and dates of a member's API tokens.
    List(MemberArgs),
    /// Revoke an API token by its ID.
    Revoke(tokens::TokenRevokeArgs),
}

#[derive(Debug, Subcommand)]
enum RunnerCommand {
    /// Issue a runner and print its token on stdout. It is shown only once.
    Issue(runners::RunnerIssueArgs),
    /// List the IDs, names and dates of a company's runners.
    List(runners::RunnerListArgs),
    /// Revoke a runner by its ID and end its running tasks.
    Revoke(runners::RunnerRevokeArgs),
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Conglomerate(ConglomerateCommand::Create(args)) => {
            organization::create_conglomerate(args)
        }
        Command::Company(CompanyCommand::Create(args)) => organization::create_company(args),
        Command::Member(MemberCommand::Add(args)) => members::add(args),
        Command::Member(MemberCommand::Remove(args)) => members::remove(args),
        Command::Token(TokenCommand::Issue(args)) => tokens::issue(args),
        Command::Token(TokenCommand::List(args)) => tokens::list(args),
        Command::Token(TokenCommand::Revoke(args)) => tokens::revoke(args),
        Command::Runner(RunnerCommand::Issue(args)) => runners::issue(args),
        Command::Runner(RunnerCommand::List(args)) => runners::list(args),
        Command::Runner(RunnerCommand::Revoke(args)) => runners::revoke(args),
        Command::LoginLink(args) => login_link::run(args),
        Command::RotateMasterKey(args) => rotate_master_key::run(args),
    }
}

/// Options that name a member: the conglomerate, directly or through one
/// of its companies, and the member's name.
#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("where").required(true).args(["conglomerate", "company"]))]
struct MemberArgs {
    #[command(flatten)]
    storage: StorageArgs,
    /// The member's conglomerate.
    #[arg(long)]
    conglomerate: Option<ConglomerateId>,
    /// A company of the member's conglomerate, instead of --conglomerate.
    #[arg(long)]
    company: Option<CompanyId>,
    /// Member name, for example `owner`.
    #[arg(long)]
    name: MemberName,
}

impl MemberArgs {
    /// Returns the conglomerate named by `--conglomerate` or by the company
    /// given with `--company`.
    fn conglomerate(&self, store: &Store) -> anyhow::Result<ConglomerateId> {
        match (&self.conglomerate, &self.company) {
            (Some(conglomerate), _) => Ok(conglomerate.clone()),
            (None, Some(company)) => Ok(store.conglomerate_of(company)?),
            (None, None) => anyhow::bail!("pass --conglomerate or --company"),
        }
    }
}

/// Storage options of an installation: the data directory, and the
/// PostgreSQL database that replaces the SQLite file when given.
#[derive(Debug, clap::Args)]
struct StorageArgs {
    /// Directory of the master key file, and of the SQLite database unless
    /// --database-url is given.
    #[arg(long, default_value = "./data")]
    data_dir: PathBuf,
    /// PostgreSQL database to use instead of the SQLite file, such as
    /// postgres://secrets:PASSWORD@db.internal:5432/secrets. Prefer the
    /// environment variable, which other users cannot read in the process
    /// list.
    #[arg(long, env = DATABASE_URL_ENV, hide_env_values = true)]
    database_url: Option<String>,
    /// Maximum number of PostgreSQL connections this process opens. A
    /// request that finds all in use waits up to 10 seconds for one.
    #[arg(long, default_value_t = DEFAULT_MAX_CONNECTIONS, value_parser = clap::value_parser!(u16).range(1..))]
    database_connections: u16,
}

/// Environment variable that gives the PostgreSQL database URL.
const DATABASE_URL_ENV: &str = "SECRETS_DATABASE_URL";

impl StorageArgs {
    /// Returns `true` when the database contains an installation already.
    fn is_installed(&self) -> anyhow::Result<bool> {
        match &self.database_url {
            None => Ok(self.data_dir.join(DATABASE_FILE).is_file()),
            Some(url) => postgres_is_installed(url)
                .context("failed to connect to the PostgreSQL database of --database-url"),
        }
    }
}

/// Opens the store of an existing installation. Unlike [`open_store`], it
/// creates nothing, so a mistyped `--data-dir` or `--database-url` fails
/// with a message that names it instead of starting a new, empty
/// installation.
fn open_existing_store(storage: &StorageArgs) -> anyhow::Result<Store> {
    if !storage.is_installed()? {
        match storage.database_url {
            None => anyhow::bail!(
                "no database found in the data directory {dir}; check --data-dir, or create an installation there with `secrets-server serve --data-dir {dir}` or `secrets-server conglomerate create ID --data-dir {dir}`",
                dir = storage.data_dir.display()
            ),
            Some(_) => anyhow::bail!(
                "the PostgreSQL database of --database-url contains no installation; check the URL, or create one there with `secrets-server serve` or `secrets-server conglomerate create ID` and the same URL"
            ),
        }
    }
    load_key_and_open(storage, true)
}

/// Loads the master key and opens the store, creating the data directory,
/// the key file and the database of a new installation. An existing
/// database never gets a new key file: a missing one is an error, because
/// a generated key could not open the database and would only be backed
/// up by mistake.
fn open_store(storage: &StorageArgs) -> anyhow::Result<Store> {
    load_key_and_open(storage, storage.is_installed()?)
}

/// Loads the master key, creating the key file only when `installed` is
/// `false`, and opens the store. Callers check `installed` once, because
/// on PostgreSQL the check is a connection of its own.
fn load_key_and_open(storage: &StorageArgs, installed: bool) -> anyhow::Result<Store> {
    let data_dir = storage.data_dir.as_path();
    // The key file lives in the data directory, so create it first.
    create_data_dir(data_dir)?;
    let load = if installed {
        MasterKey::load_existing
    } else {
        MasterKey::load_or_create
    };
    let (master_key, source) = load(data_dir).with_context(|| {
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
    match &storage.database_url {
        None => Store::open(data_dir, master_key)
            .with_context(|| format!("failed to open the data directory {}", data_dir.display())),
        Some(url) => Store::open_postgres(url, storage.database_connections, data_dir, master_key)
            .context("failed to open the PostgreSQL database of --database-url"),
    }
}
