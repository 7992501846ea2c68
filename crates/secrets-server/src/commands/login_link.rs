//! `secrets-server login-link`

use secrets_core::api::paths::LOGIN_ROUTE;

use crate::store::{CredentialKind, Token};

use super::{open_store, MemberArgs};

/// Arguments of `login-link`.
#[derive(Debug, clap::Args)]
pub(super) struct LoginLinkArgs {
    #[command(flatten)]
    member: MemberArgs,
    /// Address of the server as the browser reaches it.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    base_url: String,
}

/// Creates the company and member if needed and prints a one-time login
/// link, alone on one line of stdout.
pub(super) fn run(args: LoginLinkArgs) -> anyhow::Result<()> {
    let MemberArgs {
        data_dir,
        company,
        name,
    } = args.member;
    let store = open_store(&data_dir)?;
    let member = store.ensure_member(&company, &name)?;
    let token = store.issue_credential(&member, CredentialKind::Login)?;
    tracing::info!(company = %company, member_id = member.id, "issued a login link");
    println!("{}", login_link(&args.base_url, &token));
    Ok(())
}

/// Builds `BASE/login?token=TOKEN`. The token is hex, so it needs no
/// escaping.
pub(super) fn login_link(base_url: &str, token: &Token) -> String {
    format!(
        "{}{LOGIN_ROUTE}?token={}",
        base_url.trim_end_matches('/'),
        token.expose()
    )
}
