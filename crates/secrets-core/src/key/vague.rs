//! Vague keys: keys such as `TOKEN` or `API_KEY` that name a kind of
//! credential but not the service it is for, so that an agent cannot tell
//! two of them apart without a description.

use super::SecretKey;

/// Hint that the form shows beside an empty description when the key is
/// vague.
pub const VAGUE_KEY_HINT: &str =
    "A description helps agents pick the right secret when a key is as general as this one.";

/// Keys that name a kind of credential or setting and no service, sorted.
const VAGUE_KEYS: &[&str] = &[
    "ACCESS_KEY",
    "ACCESS_TOKEN",
    "APIKEY",
    "API_KEY",
    "API_SECRET",
    "API_TOKEN",
    "AUTH",
    "AUTH_TOKEN",
    "BEARER_TOKEN",
    "CLIENT_ID",
    "CLIENT_SECRET",
    "CONFIG",
    "CREDENTIALS",
    "CREDS",
    "DATA",
    "ENDPOINT",
    "HOST",
    "ID",
    "KEY",
    "LOGIN",
    "PASS",
    "PASSWD",
    "PASSWORD",
    "PIN",
    "PRIVATE_KEY",
    "PWD",
    "SECRET",
    "SECRET_KEY",
    "TOKEN",
    "URL",
    "USER",
    "USERNAME",
    "VALUE",
    "WEBHOOK",
    "WEBHOOK_URL",
];

/// Prefixes that add no service to a vague key: possessives and age
/// (`MY_TOKEN`, `NEW_TOKEN`) and environments (`PROD_API_KEY`), which name
/// where a credential is used but still not the service.
const GENERIC_PREFIXES: &[&str] = &[
    "DEFAULT_",
    "DEV_",
    "MAIN_",
    "MY_",
    "NEW_",
    "OLD_",
    "PROD_",
    "PRODUCTION_",
    "STAGING_",
    "TEST_",
    "THE_",
];

/// Returns `true` when `key` names a kind of credential or setting but no
/// service: one of the vague keys (`TOKEN`, `PASSWORD`, `API_KEY`, ...),
/// optionally with generic prefixes (`MY_`, `NEW_`, `PROD_`, ...) and a
/// number at the end (`TOKEN2`, `TOKEN_2`). `STRIPE_API_KEY` and
/// `DB_PASSWORD` are not vague.
pub fn is_vague_key(key: &SecretKey) -> bool {
    let mut text = strip_number_suffix(key.as_str());
    while let Some(rest) = GENERIC_PREFIXES
        .iter()
        .find_map(|prefix| text.strip_prefix(prefix))
    {
        text = rest;
    }
    VAGUE_KEYS.binary_search(&text).is_ok()
}

/// Removes a number at the end of `text`, with the underscore before it:
/// `TOKEN_2` and `TOKEN2` become `TOKEN`.
fn strip_number_suffix(text: &str) -> &str {
    let without_digits = text.trim_end_matches(|character: char| character.is_ascii_digit());
    if without_digits.len() == text.len() {
        return text;
    }
    without_digits.strip_suffix('_').unwrap_or(without_digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vague(text: &str) -> bool {
        is_vague_key(&SecretKey::parse(text).expect("valid key"))
    }

    #[test]
    fn vague_keys_sorted_for_binary_search() {
        assert!(VAGUE_KEYS.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn vague_key_examples() {
        for text in [
            "TOKEN",
            "KEY",
            "SECRET",
            "PASSWORD",
            "API_KEY",
            "CLIENT_SECRET",
            "WEBHOOK_URL",
            "TOKEN2",
            "TOKEN_2",
            "API_KEY_10",
            "MY_TOKEN",
            "MY_NEW_PASSWORD",
            "PROD_API_KEY",
            "THE_SECRET_3",
        ] {
            assert!(vague(text), "{text}");
        }
    }

    #[test]
    fn specific_key_examples() {
        for text in [
            "STRIPE_API_KEY",
            "DB_PASSWORD",
            "GITHUB_TOKEN",
            "SENDGRID_KEY",
            "TOKENIZER_URL",
            "MY_STRIPE_KEY",
            "KEYS",
            "V2",
            "A",
        ] {
            assert!(!vague(text), "{text}");
        }
    }
}
