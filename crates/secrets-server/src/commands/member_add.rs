//! `secrets-server member add`

use crate::store::CredentialKind;

use super::{open_store, MemberArgs};

/// Arguments of `member add`.
#[derive(Debug, clap::Args)]
pub(super) struct MemberAddArgs {
    #[command(flatten)]
    member: MemberArgs,
}

/// Creates the company and member if needed and prints a new API token, alone
/// on one line of stdout, so that scripts can capture it.
pub(super) fn run(args: MemberAddArgs) -> anyhow::Result<()> {
    let MemberArgs {
        data_dir,
        company,
        name,
    } = args.member;
    let store = open_store(&data_dir)?;
    let member = store.ensure_member(&company, &name)?;
    let token = store.issue_credential(&member, CredentialKind::Api)?;
    tracing::info!(company = %company, member_id = member.id, "issued an API token");
    println!("{}", token.expose());
    Ok(())
}
