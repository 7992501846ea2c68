//! Fuzzes key validation ([`SecretKey::parse`] and its siblings) against
//! the key rule written out independently here: `A`-`Z`, `0`-`9` and `_`,
//! a letter first, 1 to 64 characters.
//!
//! Checks that an accepted key round-trips through every conversion and
//! serde, and that a rejected key gets the error that its first offending
//! character or its length calls for, with a position or length that
//! matches the input.

#![no_main]

use libfuzzer_sys::fuzz_target;
use secrets_core::{is_vague_key, uppercase_ascii_letters, KeyError, SecretKey, KEY_MAX_CHARS};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    check_key(&text);
    check_key(&uppercase_ascii_letters(&text));
    check_uppercase(&text);
});

/// Returns `true` when `text` follows the key rule, without the checks for
/// invisible and look-alike characters, which only change the error.
fn follows_key_rule(text: &str) -> bool {
    let mut characters = text.chars();
    let Some(first) = characters.next() else {
        return false;
    };
    first.is_ascii_uppercase()
        && characters.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && text.chars().count() <= KEY_MAX_CHARS
}

fn check_key(text: &str) {
    let parsed = SecretKey::parse(text);

    // Every way of building a key agrees with `parse`.
    assert_eq!(SecretKey::try_from(text), parsed);
    assert_eq!(SecretKey::try_from(text.to_owned()), parsed);
    assert_eq!(text.parse::<SecretKey>(), parsed);
    assert_eq!(parsed.is_ok(), follows_key_rule(text), "{text:?}");

    match parsed {
        Ok(key) => check_accepted(text, &key),
        Err(error) => check_rejected(text, error),
    }
}

fn check_accepted(text: &str, key: &SecretKey) {
    assert_eq!(key.as_str(), text);
    assert_eq!(key.to_string(), text);
    assert_eq!(String::from(key.clone()), text);
    assert!((1..=KEY_MAX_CHARS).contains(&key.as_str().len()));

    // serde writes the key as a JSON string and reads it back through the
    // same validation.
    let json = serde_json::to_string(key).expect("a key serializes");
    assert_eq!(json, format!("\"{text}\""));
    let read: SecretKey = serde_json::from_str(&json).expect("a serialized key deserializes");
    assert_eq!(&read, key);

    // A new secret's key is the same key unless it is reserved.
    match SecretKey::parse_new(text) {
        Ok(new_key) => {
            assert_eq!(&new_key, key);
            assert!(!key.is_reserved(), "{text:?}");
        }
        Err(error) => {
            assert_eq!(error, KeyError::Reserved, "{text:?}");
            assert!(key.is_reserved(), "{text:?}");
        }
    }
    let _ = is_vague_key(key);
}

fn check_rejected(text: &str, error: KeyError) {
    // `parse_new` checks the rule first, so it rejects with the same error.
    assert_eq!(SecretKey::parse_new(text), Err(error), "{text:?}");
    assert!(serde_json::from_str::<SecretKey>(&json_string(text)).is_err());

    let characters: Vec<char> = text.chars().collect();
    let message = error.to_string();
    assert!(!message.is_empty());
    match error {
        KeyError::Empty => assert!(text.is_empty()),
        KeyError::InvalidCharacters => {
            let valid_after_first =
                |c: &char| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_';
            let first_invalid = !characters[0].is_ascii_uppercase();
            assert!(first_invalid || !characters[1..].iter().all(valid_after_first));
        }
        KeyError::TooLong { length } => {
            assert_eq!(length, characters.len());
            assert!(length > KEY_MAX_CHARS);
            assert!(message.contains(&length.to_string()), "{message}");
        }
        KeyError::InvisibleCharacter {
            code_point,
            position,
            ..
        } => check_position(&characters, code_point, position, &message),
        KeyError::LookAlike {
            character,
            code_point,
            position,
            looks_like,
            ..
        } => {
            assert_eq!(character as u32, code_point);
            assert!(looks_like.is_ascii_alphanumeric() || looks_like == '_');
            check_position(&characters, code_point, position, &message);
        }
        KeyError::Reserved => panic!("parse never rejects a reserved key: {text:?}"),
    }
}

/// Checks that a character error names a position within the input, that
/// the character there has the named code point, and that the message
/// states both.
fn check_position(characters: &[char], code_point: u32, position: usize, message: &str) {
    assert!((1..=characters.len()).contains(&position), "{position}");
    assert_eq!(characters[position - 1] as u32, code_point);
    assert!(
        message.contains(&format!("at position {position}")),
        "{message}"
    );
    assert!(
        message.contains(&format!("U+{code_point:04X}")),
        "{message}"
    );
}

/// Uppercasing keeps the length in bytes and in UTF-16 code units, so that
/// the form's caret stays where it was, and changes only `a`-`z`.
fn check_uppercase(text: &str) {
    let upper = uppercase_ascii_letters(text);
    assert_eq!(upper.len(), text.len());
    assert_eq!(upper.encode_utf16().count(), text.encode_utf16().count());
    for (before, after) in text.chars().zip(upper.chars()) {
        assert_eq!(after, before.to_ascii_uppercase());
    }
}

fn json_string(text: &str) -> String {
    serde_json::to_string(text).expect("a string serializes")
}
