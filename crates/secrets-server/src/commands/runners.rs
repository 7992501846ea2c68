//! `secrets-server runner issue`, `runner list` and `runner revoke`

use secrets_core::CompanyId;

use crate::store::RunnerName;

use super::{open_existing_store, StorageArgs};

/// Arguments of `runner issue`.
#[derive(Debug, clap::Args)]
pub(super) struct RunnerIssueArgs {
    #[command(flatten)]
    storage: StorageArgs,
    /// The company whose tasks the runner starts.
    #[arg(long)]
    company: CompanyId,
    /// Runner name, for example `ci-agents`, with the rules of member
    /// names.
    #[arg(long)]
    name: RunnerName,
}

/// Arguments of `runner list`.
#[derive(Debug, clap::Args)]
pub(super) struct RunnerListArgs {
    #[command(flatten)]
    storage: StorageArgs,
    /// The company whose runners to list.
    #[arg(long)]
    company: CompanyId,
}

/// Arguments of `runner revoke`.
#[derive(Debug, clap::Args)]
pub(super) struct RunnerRevokeArgs {
    #[command(flatten)]
    storage: StorageArgs,
    /// ID of the runner, as `runner issue` and `runner list` print it.
    id: i64,
}

/// Issues a runner and prints its token alone on one line of stdout, so
/// that scripts can capture it. The token is shown only this once.
pub(super) fn issue(args: RunnerIssueArgs) -> anyhow::Result<()> {
    let store = open_existing_store(&args.storage)?;
    let (id, token) = store.issue_runner(&args.company, &args.name)?;
    tracing::info!(company = %args.company, runner_id = id, "issued a runner");
    eprintln!(
        "Issued runner {id} ({:?}) for company {}. Its token starts the company's tasks and is shown only now; revoke it with `secrets-server runner revoke {id}`.",
        args.name.as_str(),
        args.company
    );
    println!("{}", token.expose());
    Ok(())
}

/// Prints the IDs, names and dates of a company's runners, never the
/// tokens.
pub(super) fn list(args: RunnerListArgs) -> anyhow::Result<()> {
    let store = open_existing_store(&args.storage)?;
    let runners = store.list_runners(&args.company)?;
    if runners.is_empty() {
        println!("Company {} has no runners.", args.company);
    }
    for runner in runners {
        let state = match runner.revoked_at {
            Some(revoked_at) => format!("revoked {revoked_at}"),
            None => "active".to_owned(),
        };
        println!(
            "{}\t{}\tissued {}\t{state}",
            runner.id, runner.name, runner.created_at
        );
    }
    Ok(())
}

/// Revokes a runner and ends its running tasks, so that neither starts
/// nor reads anything from the next request on.
pub(super) fn revoke(args: RunnerRevokeArgs) -> anyhow::Result<()> {
    let store = open_existing_store(&args.storage)?;
    let revoked = store.revoke_runner(args.id)?;
    let runner = &revoked.runner;
    tracing::info!(
        runner_id = runner.id,
        company = %runner.company,
        tasks_ended = revoked.tasks_ended,
        "revoked a runner"
    );
    let done = if revoked.already_revoked {
        "was already revoked"
    } else {
        "is revoked"
    };
    println!(
        "Runner {} ({:?}) of company {} {done}. Running tasks ended: {}.",
        runner.id, runner.name, runner.company, revoked.tasks_ended
    );
    Ok(())
}
