//! Fuzzes the `.env` parser ([`parse_env`]) and the `KEY=value` splitter
//! of the key field ([`split_assignment`]).
//!
//! Checks that parsing is deterministic, that every line number lies
//! within the input, and that each key is on its line as written. Each
//! value must come from the input: an unquoted or single-quoted value as
//! a substring, a double-quoted one made of the input's characters and
//! the control characters that its escapes decode to.

#![no_main]

use libfuzzer_sys::fuzz_target;
use secrets_core::{parse_env, split_assignment, EnvEntry, EnvLine, EnvSyntaxError};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    check_parse_env(&text);
    check_split_assignment(&text);
});

/// Spaces and tabs, the only characters that the parser trims.
const BLANKS: [char; 2] = [' ', '\t'];

/// Characters that escapes in double quotes decode to and that may be
/// missing from the input: `\a \b \f \n \r \t \v`.
const DECODED_CONTROLS: [char; 7] = ['\u{7}', '\u{8}', '\u{C}', '\n', '\r', '\t', '\u{B}'];

fn check_parse_env(text: &str) {
    let results = parse_env(text);
    assert_eq!(parse_env(text), results, "parsing is not deterministic");

    let lines: Vec<&str> = text.split('\n').collect();
    let mut previous_line = 0;
    for (index, result) in results.iter().enumerate() {
        let line = match result {
            EnvLine::Entry(entry) => entry.line,
            EnvLine::Invalid { line, .. } => *line,
        };
        assert!(
            (1..=lines.len()).contains(&line),
            "line {line} of {}",
            lines.len()
        );
        assert!(
            line > previous_line,
            "line {line} after line {previous_line}"
        );
        previous_line = line;

        match result {
            EnvLine::Entry(entry) => check_entry(text, lines[line - 1], entry),
            EnvLine::Invalid {
                error: EnvSyntaxError::UnterminatedQuote { quote },
                ..
            } => {
                assert!(matches!(quote, '"' | '\''));
                assert_eq!(
                    index,
                    results.len() - 1,
                    "results after an unterminated quote"
                );
            }
            EnvLine::Invalid { .. } => {}
        }
    }
}

/// Checks one entry against `line`, the input line where it starts.
fn check_entry(text: &str, line: &str, entry: &EnvEntry) {
    let key = entry.key.as_str();
    assert!(!key.is_empty());
    assert!(!key.starts_with(BLANKS), "{key:?}");
    assert!(!key.ends_with(BLANKS), "{key:?}");
    assert!(!key.contains(['=', '\n']), "{key:?}");
    assert!(
        line.contains(key),
        "key {key:?} is not on line {}",
        entry.line
    );

    // The key contains no `=`, so the value starts after the line's first one.
    let value = entry.value.as_str();
    assert!(value.len() <= text.len());
    let equals = line.find('=').expect("an entry's line has an = sign");
    let after_equals = line[equals + 1..]
        .strip_suffix('\r')
        .unwrap_or(&line[equals + 1..]);
    match after_equals.trim_start_matches(BLANKS).chars().next() {
        Some('\'') => {
            // Literal up to the next single quote, with CR LF read as LF.
            assert!(!value.contains('\''), "{value:?}");
            assert!(text.replace("\r\n", "\n").contains(value));
        }
        Some('"') => {
            for character in value.chars() {
                assert!(
                    text.contains(character) || DECODED_CONTROLS.contains(&character),
                    "{character:?} is not in the input"
                );
            }
        }
        _ => {
            assert!(
                after_equals.contains(value),
                "{value:?} not in {after_equals:?}"
            );
            assert!(!value.starts_with(BLANKS), "{value:?}");
            assert!(!value.ends_with(BLANKS), "{value:?}");
            assert!(!value.contains(" #"), "{value:?}");
            assert!(!value.contains("\t#"), "{value:?}");
        }
    }
}

fn check_split_assignment(text: &str) {
    let Some((key, value)) = split_assignment(text) else {
        return;
    };

    // The value is everything after the first `=`, byte for byte.
    let equals = text.find('=').expect("an assignment has an = sign");
    assert_eq!(value, &text[equals + 1..]);
    assert!(!value
        .trim_end_matches(['\r', '\n'])
        .trim_start_matches('=')
        .is_empty());

    assert!(!key.is_empty());
    assert!(text[..equals].contains(key));
    assert!(!key.contains(BLANKS), "{key:?}");
    let body = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(text);
    assert!(!body.contains(['\n', '\r']), "{text:?}");

    // Pasted into the import panel instead, the same line has the same key.
    // The import skips a byte order mark at the start; the key field keeps
    // it for the key check to name.
    if text.starts_with('\u{FEFF}') {
        return;
    }
    let results = parse_env(text);
    assert_eq!(results.len(), 1, "{text:?}");
    if let EnvLine::Entry(entry) = &results[0] {
        assert_eq!(entry.key, key);
    }
}
