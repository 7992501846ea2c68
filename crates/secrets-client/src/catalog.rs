//! `secrets catalog`: lists keys and descriptions, never values.

use std::io::Write;

use secrets_core::api::{CatalogEntry, TaskCatalog};

use crate::api::Client;
use crate::cli::CatalogArgs;
use crate::error::CliError;
use crate::settings::{parse_task_id, TASK_ID_VARIABLE, TASK_TOKEN_VARIABLE};
use crate::token::{Token, TokenKind};

/// Runs `secrets catalog`.
pub fn catalog(args: CatalogArgs) -> Result<(), CliError> {
    let client = Client::new(args.server.base_url()?);
    let task_id = std::env::var(TASK_ID_VARIABLE).ok();
    let has_task_token = std::env::var_os(TASK_TOKEN_VARIABLE).is_some();

    let (secrets, owner) = match (task_id, has_task_token) {
        // Inside `secrets run`: the task's own snapshot.
        (Some(task_id), true) => {
            let task_id = parse_task_id(&task_id)?;
            let token = Token::from_env(
                TokenKind::Task,
                "Run `secrets catalog` inside `secrets run`.",
            )?;
            let catalog = client
                .task_catalog(task_id, token.expose())
                .map_err(|error| token.request_error(error))?;
            (catalog.secrets, "task")
        }
        (None, false) => {
            let company = args.company.company()?;
            let token = Token::from_env(
                TokenKind::Member,
                "Set it to a member API token, or run `secrets catalog` inside `secrets run`.",
            )?;
            let list = client
                .list_secrets(&company, token.expose())
                .map_err(|error| token.request_error(error))?;
            let secrets = list
                .secrets
                .into_iter()
                .map(|secret| CatalogEntry {
                    key: secret.key,
                    description: secret.description,
                })
                .collect();
            (secrets, "company")
        }
        _ => {
            return Err(CliError::Usage(format!(
                "only one of {TASK_ID_VARIABLE} and {TASK_TOKEN_VARIABLE} is set. Set both, \
                 as `secrets run` does, or neither."
            )));
        }
    };

    let text = match args.json {
        true => json(secrets),
        false => table(&secrets, owner),
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|error| CliError::Io(format!("writing to standard output failed: {error}")))
}

/// Formats the catalog as JSON on one line, followed by a newline.
fn json(secrets: Vec<CatalogEntry>) -> String {
    let catalog = TaskCatalog { secrets };
    let mut text = serde_json::to_string(&catalog).expect("a catalog serializes");
    text.push('\n');
    text
}

/// Formats the catalog as a table with a header, or a sentence when it is
/// empty. `owner` is "task" or "company".
fn table(secrets: &[CatalogEntry], owner: &str) -> String {
    if secrets.is_empty() {
        return format!("The {owner} has no secrets.\n");
    }
    let width = secrets
        .iter()
        .map(|secret| secret.key.as_str().len())
        .chain(["KEY".len()])
        .max()
        .unwrap_or_default();
    let mut text = format!("{:width$}  DESCRIPTION\n", "KEY");
    for secret in secrets {
        let line = format!(
            "{:width$}  {}",
            secret.key.as_str(),
            secret.description.as_str()
        );
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrets_core::{Description, SecretKey};

    fn entry(key: &str, description: &str) -> CatalogEntry {
        CatalogEntry {
            key: SecretKey::parse(key).expect("valid key"),
            description: Description::parse(description).expect("valid description"),
        }
    }

    #[test]
    fn table_aligns_descriptions() {
        let secrets = [
            entry("STRIPE_API_KEY", "For payments"),
            entry("DB_URL", ""),
            entry("A", "Grüße"),
        ];
        assert_eq!(
            table(&secrets, "task"),
            "KEY             DESCRIPTION\n\
             STRIPE_API_KEY  For payments\n\
             DB_URL\n\
             A               Grüße\n"
        );
    }

    #[test]
    fn table_of_nothing_is_a_sentence() {
        assert_eq!(table(&[], "company"), "The company has no secrets.\n");
    }

    #[test]
    fn json_is_one_line_of_the_catalog_shape() {
        let text = json(vec![entry("API_KEY", "For \"x\""), entry("DB_URL", "")]);
        let expected = concat!(
            r#"{"secrets":[{"key":"API_KEY","description":"For \"x\""},"#,
            r#"{"key":"DB_URL","description":""}]}"#,
            "\n"
        );
        assert_eq!(text, expected);
    }
}
