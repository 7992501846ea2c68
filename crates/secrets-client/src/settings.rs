//! The settings that every command shares: the server URL, the company and
//! the credentials, from flags or environment variables.

use std::io::Write;

use clap::Args;
use secrets_core::CompanyId;

use crate::error::CliError;

/// Variable with the runner token that `secrets run` starts tasks with.
pub const RUNNER_TOKEN_VARIABLE: &str = "SECRETS_RUNNER_TOKEN";

/// Variable with the path of a file that contains the runner token, used
/// in place of [`RUNNER_TOKEN_VARIABLE`].
pub const RUNNER_TOKEN_FILE_VARIABLE: &str = "SECRETS_RUNNER_TOKEN_FILE";

/// Variable with a member's API token, for `secrets add` and `secrets
/// catalog` outside a task.
pub const MEMBER_TOKEN_VARIABLE: &str = "SECRETS_TOKEN";

/// Variable with the server's base URL.
pub const SERVER_VARIABLE: &str = "SECRETS_SERVER";

/// Variable with the task ID that `secrets run` gives the command.
pub const TASK_ID_VARIABLE: &str = "SECRETS_TASK_ID";

/// Variable with the task token that `secrets run` gives the command.
pub const TASK_TOKEN_VARIABLE: &str = "SECRETS_TASK_TOKEN";

/// The `--server` option.
#[derive(Debug, Args)]
pub struct ServerArgs {
    /// Base URL of the Secrets server, such as https://secrets.example.com
    #[arg(long, env = SERVER_VARIABLE, value_name = "URL")]
    server: Option<String>,
}

impl ServerArgs {
    /// Returns the server's base URL without a trailing slash. Prints a
    /// warning when tokens would travel unencrypted to another machine.
    pub fn base_url(&self) -> Result<String, CliError> {
        let Some(url) = self.server.as_deref() else {
            return Err(CliError::Usage(format!(
                "the server URL is missing. Pass --server URL or set {SERVER_VARIABLE}."
            )));
        };
        let url = parse_base_url(url)?;
        if is_unencrypted_remote(&url) {
            let _ = writeln!(
                std::io::stderr(),
                "secrets: warning: {url} uses http, so tokens and values travel unencrypted. \
                 Use https."
            );
        }
        Ok(url)
    }
}

/// The `--company` option.
#[derive(Debug, Args)]
pub struct CompanyArgs {
    /// ID of the company whose secrets to use, such as acme
    #[arg(long, env = "SECRETS_COMPANY", value_name = "ID")]
    company: Option<String>,
}

impl CompanyArgs {
    /// Returns the validated company ID.
    pub fn company(&self) -> Result<CompanyId, CliError> {
        let Some(company) = self.company.as_deref() else {
            return Err(CliError::Usage(
                "the company is missing. Pass --company ID or set SECRETS_COMPANY.".to_owned(),
            ));
        };
        CompanyId::parse(company)
            .map_err(|error| CliError::Usage(format!("invalid company ID {company:?}: {error}")))
    }
}

/// Checks that `url` is an absolute http or https URL without a query or
/// fragment, and removes trailing slashes.
fn parse_base_url(url: &str) -> Result<String, CliError> {
    let invalid = |reason: &str| {
        CliError::Usage(format!(
            "invalid server URL {url:?}: {reason}. Pass the server's base URL, such as https://secrets.example.com."
        ))
    };
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| invalid("it must start with http:// or https://"))?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(invalid("it has no host"));
    }
    if rest.contains(['?', '#']) || rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid("it contains a query, a fragment or a space"));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// Returns `true` for an http URL whose host is not a loopback address.
fn is_unencrypted_remote(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split('/').next().unwrap_or_default();
    let host_and_port = authority.rsplit('@').next().unwrap_or_default();
    let host = match host_and_port.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
        None => host_and_port.split(':').next().unwrap_or_default(),
    };
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|address| address.is_loopback());
    !loopback
}

/// Checks that a task ID is hexadecimal, as the server makes them, so that
/// it cannot change the path of a request.
pub fn parse_task_id(task_id: &str) -> Result<&str, CliError> {
    let valid = !task_id.is_empty()
        && task_id.len() <= 64
        && task_id.bytes().all(|byte| byte.is_ascii_hexdigit());
    match valid {
        true => Ok(task_id),
        false => Err(CliError::Usage(format!(
            "invalid task ID {task_id:?} in {TASK_ID_VARIABLE}: task IDs are hexadecimal. Run `secrets catalog` inside `secrets run`, which sets it."
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_drops_trailing_slashes() {
        assert_eq!(
            parse_base_url("https://secrets.example.com/").expect("valid"),
            "https://secrets.example.com"
        );
        assert_eq!(
            parse_base_url("http://127.0.0.1:8080//").expect("valid"),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            parse_base_url("https://example.com/secrets").expect("valid"),
            "https://example.com/secrets"
        );
    }

    #[test]
    fn base_url_rejects_other_forms() {
        for url in [
            "",
            "127.0.0.1:8080",
            "ftp://example.com",
            "https://",
            "https:///path",
            "https://example.com/?x=1",
            "https://example.com/#top",
            "https://exa mple.com",
        ] {
            let error = parse_base_url(url).expect_err(url);
            assert_eq!(error.exit_code(), 2, "{url}");
            assert!(error.to_string().contains("invalid server URL"), "{error}");
        }
    }

    #[test]
    fn unencrypted_remote_urls_are_detected() {
        for url in [
            "http://secrets.example.com",
            "http://10.0.0.1:8080",
            "http://user@example.com/x",
        ] {
            assert!(is_unencrypted_remote(url), "{url}");
        }
        for url in [
            "https://secrets.example.com",
            "http://127.0.0.1:8080",
            "http://127.1.2.3",
            "http://localhost:8080/base",
            "http://[::1]:8080",
        ] {
            assert!(!is_unencrypted_remote(url), "{url}");
        }
    }

    #[test]
    fn task_id_must_be_hexadecimal() {
        assert_eq!(parse_task_id("0af9").expect("valid"), "0af9");
        for task_id in ["", "../secrets", "12 34", "abcg", &"a".repeat(65)] {
            assert!(parse_task_id(task_id).is_err(), "{task_id}");
        }
    }
}
