//! `secrets add`: reads a value from standard input, seals it to the
//! company's public key and saves it as a new secret.

use std::io::{IsTerminal, Read, Write};

use secrets_core::api::{CreateSecretRequest, ErrorCode};
use secrets_core::sealed::SealingKey;
use secrets_core::{CompanyId, Description, SecretKey, SecretValue, ValueError, VALUE_MAX_BYTES};
use zeroize::Zeroizing;

use crate::api::{ApiError, Client};
use crate::cli::AddArgs;
use crate::error::CliError;
use crate::token::{Token, TokenKind};

/// Runs `secrets add`.
pub fn add(args: AddArgs) -> Result<(), CliError> {
    // Validate everything before the value is read and before any request.
    let key = SecretKey::parse_new(&args.key)
        .map_err(|error| CliError::Usage(format!("invalid key {:?}: {error}", args.key)))?;
    let description = Description::parse(args.description.as_deref().unwrap_or_default())
        .map_err(|error| CliError::Usage(format!("invalid description: {error}")))?;
    let client = Client::new(args.server.base_url()?);
    let company = args.company.company()?;
    let token = Token::from_env(
        TokenKind::Member,
        "Set it to a member API token from `secrets-server token issue`.",
    )?;

    // Read and check the value.
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        let _ = writeln!(
            std::io::stderr(),
            "secrets: reading the value of {key} from standard input; end it with Ctrl-D \
             (a line break that you type becomes part of the value)"
        );
    }
    let value = read_value(stdin.lock())?;

    // Seal and save it, with a fresh public key if the company's key
    // changed since it was fetched.
    let save_once = || {
        save(
            &client,
            &company,
            token.expose(),
            &key,
            &description,
            &value,
        )
    };
    let saved = match save_once() {
        Err(error) if error.code() == Some(ErrorCode::StalePublicKey) => save_once(),
        result => result,
    };
    saved.map_err(|error| token.request_error(error))?;

    let mut stdout = std::io::stdout().lock();
    // A closed stdout does not undo the save, so its error is ignored.
    let _ = writeln!(stdout, "Added {key} to {company}.");
    Ok(())
}

/// Fetches the company's public key, seals `value` to it and sends the
/// create request.
fn save(
    client: &Client,
    company: &CompanyId,
    token: &str,
    key: &SecretKey,
    description: &Description,
    value: &SecretValue,
) -> Result<(), ApiError> {
    let public_key = client.public_key(company, token)?;
    let sealing_key = SealingKey::from_base64(&public_key.key_id, &public_key.public_key)
        .map_err(|error| ApiError::InvalidResponse(error.to_string()))?;
    let sealed = sealing_key.seal(value);
    let request = CreateSecretRequest {
        key: key.to_string(),
        sealed_value: sealed.to_base64(),
        key_id: sealing_key.key_id().to_owned(),
        description: description.as_str().to_owned(),
    };
    client.create_secret(company, token, &request)
}

/// Reads a value from `reader` to its end, byte for byte, and checks that
/// it is a valid value that an environment variable can hold.
fn read_value(mut reader: impl Read) -> Result<SecretValue, CliError> {
    // The buffer never grows, so no copy of the value is left behind in
    // memory that is freed without being zeroed.
    let mut bytes = Zeroizing::new(vec![0u8; VALUE_MAX_BYTES + 1]);
    let mut length = 0;
    while length < bytes.len() {
        match reader.read(&mut bytes[length..]) {
            Ok(0) => break,
            Ok(read) => length += read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => return Err(read_failed(error)),
        }
    }
    if length > VALUE_MAX_BYTES {
        let total = length + count_rest(&mut reader)?;
        return Err(CliError::Usage(
            ValueError::TooLarge { bytes: total }.to_string(),
        ));
    }
    bytes.truncate(length);

    if let Err(error) = std::str::from_utf8(&bytes) {
        return Err(CliError::Usage(format!(
            "the value is not valid UTF-8 (invalid byte at offset {}). Values are text, so \
             encode binary data first, for example with base64.",
            error.valid_up_to()
        )));
    }
    if let Some(offset) = bytes.iter().position(|&byte| byte == 0) {
        return Err(CliError::Usage(format!(
            "the value contains a NUL byte (at offset {offset}), which an environment variable \
             cannot hold. Remove it."
        )));
    }

    let text = String::from_utf8(std::mem::take(&mut *bytes)).expect("checked as UTF-8 above");
    SecretValue::new(Zeroizing::new(text)).map_err(|error| match error {
        ValueError::Empty => CliError::Usage(
            "the value is empty. Write it to standard input, for example \
             `printf %s \"$VALUE\" | secrets add KEY`."
                .to_owned(),
        ),
        ValueError::TooLarge { .. } | ValueError::ContainsNul { .. } => {
            CliError::Usage(error.to_string())
        }
    })
}

/// Reads the rest of `reader` and returns its length in bytes.
fn count_rest(reader: &mut impl Read) -> Result<usize, CliError> {
    let mut scratch = Zeroizing::new(vec![0u8; 8192]);
    let mut total = 0;
    loop {
        match reader.read(&mut scratch) {
            Ok(0) => return Ok(total),
            Ok(read) => total += read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => return Err(read_failed(error)),
        }
    }
}

fn read_failed(error: std::io::Error) -> CliError {
    CliError::Io(format!(
        "reading the value from standard input failed: {error}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: &[u8]) -> Result<SecretValue, CliError> {
        read_value(bytes)
    }

    /// A reader that returns its data one byte per call.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
            let Some((&first, rest)) = self.0.split_first() else {
                return Ok(0);
            };
            if buffer.is_empty() {
                return Ok(0);
            }
            buffer[0] = first;
            self.0 = rest;
            Ok(1)
        }
    }

    #[test]
    fn read_value_keeps_bytes_exactly() {
        for text in [
            "-----BEGIN KEY-----\nMIIB\n-----END KEY-----\n",
            "  leading spaces",
            "trailing newline\n",
            "Grüße 日本語 😀",
            "\r\n",
        ] {
            let value = read(text.as_bytes()).expect("valid value");
            assert_eq!(value.expose(), text);
        }
    }

    #[test]
    fn read_value_accepts_exactly_the_limit() {
        let text = "é".repeat(VALUE_MAX_BYTES / 2);
        let value = read_value(Trickle(text.as_bytes())).expect("at the limit");
        assert_eq!(value.len(), VALUE_MAX_BYTES);
    }

    #[test]
    fn read_value_rejects_too_large_with_size() {
        let text = vec![b'x'; VALUE_MAX_BYTES + 1000];
        let error = read(&text).expect_err("too large");
        assert_eq!(error.exit_code(), 2);
        assert_eq!(
            error.to_string(),
            "Values can be at most 32,768 bytes (32 KB). This one has 33,768 bytes."
        );
    }

    #[test]
    fn read_value_rejects_empty() {
        let error = read(b"").expect_err("empty");
        assert_eq!(error.exit_code(), 2);
        assert!(error.to_string().contains("the value is empty."), "{error}");
    }

    #[test]
    fn read_value_rejects_nul() {
        let error = read(b"abc\0def").expect_err("NUL");
        assert_eq!(error.exit_code(), 2);
        assert!(
            error.to_string().contains("NUL byte (at offset 3)"),
            "{error}"
        );
    }

    #[test]
    fn read_value_rejects_invalid_utf8() {
        let error = read(b"ab\xffcd").expect_err("invalid UTF-8");
        assert_eq!(error.exit_code(), 2);
        assert!(
            error
                .to_string()
                .contains("not valid UTF-8 (invalid byte at offset 2)"),
            "{error}"
        );
    }

    #[test]
    fn read_value_error_messages_omit_the_value() {
        for input in [&b"canary-3\0"[..], b"canary-3\xff"] {
            let error = read(input).expect_err("invalid");
            assert!(!error.to_string().contains("canary"), "{error}");
        }
    }
}
