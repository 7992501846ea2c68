//! The error that ends a command, and its exit status.

/// Error that ends a command. `Display` is the one-line message for
/// stderr.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// An argument, environment variable or input is invalid or missing.
    #[error("{0}")]
    Usage(String),

    /// The server rejected a request, could not be reached, or sent a
    /// response that this client cannot read.
    #[error("{0}")]
    Server(String),

    /// An operation on this machine failed: catching signals, waiting for
    /// the command, or reading or writing a standard stream.
    #[error("{0}")]
    Io(String),

    /// The command of `secrets run` could not start.
    #[error("{message}")]
    Command {
        /// Message that names the command and the failure.
        message: String,
        /// The exit status: 127 when the command is not found, 126 when
        /// it cannot be executed.
        code: u8,
    },
}

impl CliError {
    /// Returns the exit status for the error: 2 for usage and input
    /// errors, as clap uses for invalid arguments, 1 for server and local
    /// I/O errors.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) => 2,
            Self::Server(_) | Self::Io(_) => 1,
            Self::Command { code, .. } => *code,
        }
    }
}

/// Returns `text` with control characters replaced by U+FFFD, so that a
/// message from the server cannot move the cursor or recolor a terminal.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|character| match character.is_control() {
            true => char::REPLACEMENT_CHARACTER,
            false => character,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_by_kind() {
        assert_eq!(CliError::Usage("x".to_owned()).exit_code(), 2);
        assert_eq!(CliError::Server("x".to_owned()).exit_code(), 1);
        assert_eq!(CliError::Io("x".to_owned()).exit_code(), 1);
    }

    #[test]
    fn printable_replaces_control_characters() {
        assert_eq!(printable("a\u{1b}[31mb\nc é"), "a\u{fffd}[31mb\u{fffd}c é");
    }
}
