//! The command's environment: the inherited variables, the task's secrets
//! and the task variables.
//!
//! A secret with a reserved key ([`SecretKey::is_reserved`]), such as
//! `PATH`, `BASH_ENV`, `LD_PRELOAD` or one of the task variables, is left
//! out. New secrets cannot have such keys, but a database may hold secrets
//! added before the rule existed. As environment variables, they would let
//! the member who added them run code in the task and read every other
//! value.
//!
//! [`SecretKey::is_reserved`]: secrets_core::SecretKey::is_reserved

use std::collections::HashSet;
use std::ffi::OsString;
use std::process::Command;

use secrets_core::api::TaskSecrets;

use crate::error::printable;
use crate::settings::{
    MEMBER_TOKEN_VARIABLE, RUNNER_TOKEN_FILE_VARIABLE, RUNNER_TOKEN_VARIABLE, SERVER_VARIABLE,
    TASK_ID_VARIABLE, TASK_TOKEN_VARIABLE,
};

/// Credentials of `secrets run` itself, and the path of the runner token's
/// file, which the command does not inherit.
const NOT_INHERITED: [&str; 3] = [
    RUNNER_TOKEN_VARIABLE,
    RUNNER_TOKEN_FILE_VARIABLE,
    MEMBER_TOKEN_VARIABLE,
];

/// Variables that `secrets run` sets for `secrets catalog` inside the
/// command. They take precedence over inherited variables, and secrets
/// cannot have these keys, which are reserved.
const TASK_VARIABLES: [&str; 3] = [SERVER_VARIABLE, TASK_ID_VARIABLE, TASK_TOKEN_VARIABLE];

/// The values of the task variables.
#[derive(Debug)]
pub struct TaskVariables<'a> {
    /// The server's base URL.
    pub server: &'a str,
    /// The task's ID.
    pub task_id: &'a str,
    /// The task's token.
    pub task_token: &'a str,
}

/// Replaces the environment of `command` with `inherited`, the task's
/// secrets and the task variables. Returns a warning for each secret that
/// replaces an inherited variable or is left out.
///
/// NOTE: `Command` keeps its own copies of the values, which are not
/// zeroed when it is dropped.
pub fn set_environment(
    command: &mut Command,
    inherited: impl IntoIterator<Item = (OsString, OsString)>,
    secrets: &TaskSecrets,
    task: &TaskVariables<'_>,
) -> Vec<String> {
    let mut warnings = Vec::new();
    command.env_clear();

    let mut inherited_names = HashSet::new();
    for (name, value) in inherited {
        let excluded = name
            .to_str()
            .is_some_and(|name| NOT_INHERITED.contains(&name) || TASK_VARIABLES.contains(&name));
        if !excluded {
            command.env(&name, value);
            inherited_names.insert(name);
        }
    }

    for secret in &secrets.secrets {
        let key = secret.key.as_str();
        if secret.key.is_reserved() {
            warnings.push(format!(
                "the secret {key} is not set, because {key} is a reserved key. As an \
                 environment variable, it would change how the programs of the task run or \
                 replace a variable that `secrets run` sets. Delete the secret and add it \
                 again with another key."
            ));
            continue;
        }
        if secret.value.contains('\0') {
            warnings.push(format!(
                "the secret {key} is not set, because its value contains a NUL byte, which an \
                 environment variable cannot hold"
            ));
            continue;
        }
        if inherited_names.contains(&OsString::from(key)) {
            warnings.push(format!(
                "the secret {key} replaces the inherited environment variable {key}"
            ));
        }
        command.env(key, secret.value.as_str());
    }

    for unreadable in &secrets.unreadable {
        warnings.push(format!(
            "the secret {} is not set: {}",
            unreadable.key,
            printable(&unreadable.reason)
        ));
    }

    command.env(SERVER_VARIABLE, task.server);
    command.env(TASK_ID_VARIABLE, task.task_id);
    command.env(TASK_TOKEN_VARIABLE, task.task_token);
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn secrets(json: &str) -> TaskSecrets {
        serde_json::from_str(json).expect("valid task secrets")
    }

    fn environment(command: &Command) -> HashMap<String, String> {
        command
            .get_envs()
            .filter_map(|(name, value)| {
                let value = value?.to_str().expect("UTF-8").to_owned();
                Some((name.to_str().expect("UTF-8").to_owned(), value))
            })
            .collect()
    }

    const TASK: TaskVariables<'static> = TaskVariables {
        server: "http://127.0.0.1:8080",
        task_id: "00ff",
        task_token: "task-token",
    };

    fn inherited(pairs: &[(&str, &str)]) -> Vec<(OsString, OsString)> {
        pairs
            .iter()
            .map(|(name, value)| (OsString::from(name), OsString::from(value)))
            .collect()
    }

    #[test]
    fn environment_has_secrets_and_task_variables() {
        let mut command = Command::new("true");
        let secrets = secrets(
            r#"{"secrets":[
                {"key":"PEM","description":"","value":"-----BEGIN-----\n  x\n"},
                {"key":"API_KEY","description":"d","value":"sk_1"}
            ]}"#,
        );
        let warnings = set_environment(
            &mut command,
            inherited(&[("PATH", "/bin"), ("HOME", "/root")]),
            &secrets,
            &TASK,
        );
        assert!(warnings.is_empty(), "{warnings:?}");
        let environment = environment(&command);
        assert_eq!(environment["PEM"], "-----BEGIN-----\n  x\n");
        assert_eq!(environment["API_KEY"], "sk_1");
        assert_eq!(environment["PATH"], "/bin");
        assert_eq!(environment["HOME"], "/root");
        assert_eq!(environment["SECRETS_SERVER"], "http://127.0.0.1:8080");
        assert_eq!(environment["SECRETS_TASK_ID"], "00ff");
        assert_eq!(environment["SECRETS_TASK_TOKEN"], "task-token");
        assert_eq!(environment.len(), 7);
    }

    #[test]
    fn environment_drops_credentials_of_the_runner() {
        let mut command = Command::new("true");
        let secrets = secrets(r#"{"secrets":[]}"#);
        let parent = inherited(&[
            ("SECRETS_RUNNER_TOKEN", "runner"),
            ("SECRETS_TOKEN", "member"),
            ("SECRETS_RUNNER_TOKEN_FILE", "/run/token"),
            ("SECRETS_TASK_TOKEN", "outer-task"),
            ("SECRETS_COMPANY", "acme"),
        ]);
        set_environment(&mut command, parent, &secrets, &TASK);
        let environment = environment(&command);
        assert!(!environment.contains_key("SECRETS_RUNNER_TOKEN"));
        assert!(!environment.contains_key("SECRETS_TOKEN"));
        assert!(!environment.contains_key("SECRETS_RUNNER_TOKEN_FILE"));
        assert_eq!(environment["SECRETS_TASK_TOKEN"], "task-token");
        assert_eq!(environment["SECRETS_COMPANY"], "acme");
    }

    #[test]
    fn environment_secret_replaces_inherited_with_warning() {
        let mut command = Command::new("true");
        let secrets = secrets(r#"{"secrets":[{"key":"REGION","description":"","value":"eu"}]}"#);
        let warnings = set_environment(
            &mut command,
            inherited(&[("REGION", "us")]),
            &secrets,
            &TASK,
        );
        assert_eq!(
            warnings,
            ["the secret REGION replaces the inherited environment variable REGION"]
        );
        assert_eq!(environment(&command)["REGION"], "eu");
    }

    #[test]
    fn environment_leaves_out_reserved_keys() {
        let mut command = Command::new("true");
        let secrets = secrets(
            r#"{"secrets":[
                {"key":"BASH_ENV","description":"","value":"/tmp/x.sh"},
                {"key":"LD_PRELOAD","description":"","value":"/tmp/x.so"},
                {"key":"PATH","description":"","value":"/tmp/bin"},
                {"key":"SECRETS_SERVER","description":"","value":"http://elsewhere"},
                {"key":"PATH_TO_REPORT","description":"","value":"/reports"}
            ]}"#,
        );
        let warnings = set_environment(
            &mut command,
            inherited(&[("PATH", "/bin")]),
            &secrets,
            &TASK,
        );

        assert_eq!(warnings.len(), 4, "{warnings:?}");
        for (warning, key) in
            warnings
                .iter()
                .zip(["BASH_ENV", "LD_PRELOAD", "PATH", "SECRETS_SERVER"])
        {
            assert!(
                warning.starts_with(&format!(
                    "the secret {key} is not set, because {key} is a reserved key."
                )),
                "{warning}"
            );
        }
        let environment = environment(&command);
        assert!(!environment.contains_key("BASH_ENV"));
        assert!(!environment.contains_key("LD_PRELOAD"));
        assert_eq!(environment["PATH"], "/bin");
        assert_eq!(environment["SECRETS_SERVER"], "http://127.0.0.1:8080");
        assert_eq!(environment["PATH_TO_REPORT"], "/reports");
    }

    #[test]
    fn environment_leaves_out_secrets_that_cannot_be_set() {
        let mut command = Command::new("true");
        let secrets = secrets(
            r#"{"secrets":[
                {"key":"SECRETS_TASK_ID","description":"","value":"mine"},
                {"key":"WITH_NUL","description":"","value":"a\u0000b"},
                {"key":"FINE","description":"","value":"ok"}
            ],
            "unreadable":[{"key":"OLD","reason":"sealed to another key"}]}"#,
        );
        let warnings = set_environment(&mut command, Vec::new(), &secrets, &TASK);
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert!(warnings[0]
            .contains("SECRETS_TASK_ID is not set, because SECRETS_TASK_ID is a reserved key."));
        assert!(warnings[1].contains("WITH_NUL is not set"));
        assert_eq!(
            warnings[2],
            "the secret OLD is not set: sealed to another key"
        );
        let environment = environment(&command);
        assert_eq!(environment["SECRETS_TASK_ID"], "00ff");
        assert!(!environment.contains_key("WITH_NUL"));
        assert_eq!(environment["FINE"], "ok");
        assert!(!environment.contains_key("OLD"));
    }
}
