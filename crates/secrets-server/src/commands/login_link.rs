//! `secrets-server login-link`

use secrets_core::api::paths::LOGIN_ROUTE;
use secrets_core::CompanyId;

use crate::store::{MemberName, Token, LOGIN_LINK_TTL};

use super::{open_existing_store, StorageArgs};

/// Arguments of `login-link`.
#[derive(Debug, clap::Args)]
pub(super) struct LoginLinkArgs {
    #[command(flatten)]
    storage: StorageArgs,
    /// The company whose Secrets section the link opens. The member must
    /// belong to its conglomerate.
    #[arg(long)]
    company: CompanyId,
    /// Member name, for example `owner`.
    #[arg(long)]
    name: MemberName,
    /// Address of the server as the browser reaches it: http:// or
    /// https://, a host, an optional port and an optional path prefix.
    #[arg(long, default_value = "http://127.0.0.1:8080", value_parser = parse_base_url)]
    base_url: String,
}

/// Prints a one-time login link, alone on one line of stdout.
pub(super) fn run(args: LoginLinkArgs) -> anyhow::Result<()> {
    let store = open_existing_store(&args.storage)?;
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

/// Accepts an absolute `http` or `https` URL with a host and without a
/// query or fragment, so that the printed link opens this server.
fn parse_base_url(text: &str) -> Result<String, String> {
    let invalid = || {
        format!("{text:?} is not a base URL such as http://127.0.0.1:8080 or https://secrets.example.com")
    };
    let uri: axum::http::Uri = text.parse().map_err(|_| invalid())?;
    let scheme_is_http = matches!(uri.scheme_str(), Some("http" | "https"));
    let host_is_present = uri.host().is_some_and(|host| !host.is_empty());
    let has_query = uri.query().is_some() || text.contains(['?', '#']);
    if !scheme_is_http || !host_is_present || has_query {
        return Err(invalid());
    }
    Ok(text.to_owned())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_base_url_examples() {
        for valid in [
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8080/",
            "https://secrets.example.com",
            "https://example.com/secrets",
        ] {
            assert_eq!(parse_base_url(valid).as_deref(), Ok(valid), "{valid}");
        }
        for invalid in [
            "",
            "not a url",
            "javascript:alert(1)//",
            "127.0.0.1:8080",
            "ftp://example.com",
            "http://",
            "http://example.com/?a=1",
            "http://example.com/#top",
        ] {
            assert!(parse_base_url(invalid).is_err(), "{invalid:?}");
        }
    }
}
