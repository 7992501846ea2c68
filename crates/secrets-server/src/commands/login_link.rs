//! `secrets-server login-link`

use std::path::PathBuf;

use secrets_core::api::paths::LOGIN_ROUTE;
use secrets_core::CompanyId;

use crate::store::{MemberName, Token, LOGIN_LINK_TTL};

use super::open_store;

/// Arguments of `login-link`.
#[derive(Debug, clap::Args)]
pub(super) struct LoginLinkArgs {
    /// Directory of the database and the master key file.
    #[arg(long, default_value = "./data")]
    data_dir: PathBuf,
    /// The company whose Secrets section the link opens. The member must
    /// belong to its conglomerate.
    #[arg(long)]
    company: CompanyId,
    /// Member name, for example `owner`.
    #[arg(long)]
    name: MemberName,
    /// Address of the server as the browser reaches it.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    base_url: String,
}

/// Prints a one-time login link, alone on one line of stdout.
pub(super) fn run(args: LoginLinkArgs) -> anyhow::Result<()> {
    let store = open_store(&args.data_dir)?;
    let conglomerate = store.conglomerate_of(&args.company)?;
    let member = store.find_member(&conglomerate, &args.name)?;
    let token = store.issue_login_link(&member, &args.company)?;
    tracing::info!(company = %args.company, member_id = member.id, "issued a login link");
    eprintln!(
        "Login link for member {:?} of conglomerate {conglomerate}; it works once, within {} minutes:",
        member.name,
        LOGIN_LINK_TTL.as_secs() / 60
    );
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
