//! The preview of an import: pasted `.env` text checked line by line with
//! the shared rules, before anything is sent.
//!
//! Each entry of the text becomes a [`PreviewRow`] with its own errors,
//! which block the import, and warnings, which do not. A row never contains
//! the value, only its size, so the preview can live in a signal and reach
//! the DOM. [`secrets_to_import`] parses the text again when the owner
//! imports, and only then are the values copied out of it.

use std::collections::HashMap;

use secrets_core::api::ImportItemError;
use secrets_core::{
    group_thousands, parse_env, validate_value, value_warnings, Description, EnvLine, SecretKey,
    SecretValue, ValueError, DUPLICATE_KEY_MESSAGE,
};
use zeroize::Zeroizing;

use crate::api::UnsealedSecret;

/// One entry of the pasted text, or one line that is not an entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PreviewRow {
    /// 1-based number of the line where the entry starts.
    pub line: usize,
    /// The key as written when it is a well-formed key; empty otherwise.
    /// Text before an `=` that is not a key may belong to a value, such as
    /// a line of a PEM key pasted without quotes, so it is not shown.
    pub key: String,
    /// Size of the value in bytes; `None` for a line that is not an entry.
    pub value_bytes: Option<usize>,
    /// Problems that block the import.
    pub errors: Vec<String>,
    /// Things the owner may want to check, which do not block the import.
    pub warnings: Vec<String>,
}

impl PreviewRow {
    /// Returns `true` when the row can be imported.
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }
}

/// The rows of pasted text, in the order of the text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportPreview {
    /// One row per entry or invalid line.
    pub rows: Vec<PreviewRow>,
}

impl ImportPreview {
    /// Checks `text` against the company's `existing_keys` and its `limit`
    /// of secrets.
    pub fn of(text: &str, existing_keys: &[SecretKey], limit: usize) -> Self {
        let mut rows: Vec<PreviewRow> = parse_env(text)
            .into_iter()
            .map(|line| match line {
                EnvLine::Entry(entry) => PreviewRow {
                    line: entry.line,
                    errors: entry_errors(&entry.key, &entry.value, existing_keys),
                    warnings: value_warnings(&entry.value)
                        .iter()
                        .map(ToString::to_string)
                        .collect(),
                    value_bytes: Some(entry.value.len()),
                    key: shown_key(entry.key),
                },
                EnvLine::Invalid { line, error } => PreviewRow {
                    line,
                    errors: vec![error.to_string()],
                    ..PreviewRow::default()
                },
            })
            .collect();
        report_repeated_keys(&mut rows);
        report_rows_over_limit(&mut rows, existing_keys.len(), limit);
        Self { rows }
    }

    /// Returns the row of `line`, if the text has one.
    pub fn row(&self, line: usize) -> Option<&PreviewRow> {
        self.rows.iter().find(|row| row.line == line)
    }

    /// Number of secrets that the text contains.
    pub fn secret_count(&self) -> usize {
        self.rows
            .iter()
            .filter(|row| row.value_bytes.is_some())
            .count()
    }

    /// Returns `true` when the text has at least one secret and every row
    /// is valid.
    pub fn is_ready(&self) -> bool {
        self.secret_count() > 0 && self.rows.iter().all(PreviewRow::is_valid)
    }

    /// Adds the errors that the server reported for a rejected import to
    /// their rows. Each error names its secret by its index in the
    /// request, which lists the entries in the order of the text.
    pub fn add_server_errors(&mut self, errors: &[ImportItemError]) {
        let mut entries: Vec<&mut PreviewRow> = self
            .rows
            .iter_mut()
            .filter(|row| row.value_bytes.is_some())
            .collect();
        for error in errors {
            if let Some(row) = entries.get_mut(error.index) {
                if !row.errors.contains(&error.message) {
                    row.errors.push(error.message.clone());
                }
            }
        }
    }
}

/// Returns `key` when it is a well-formed key, reserved ones included, and
/// an empty string otherwise.
fn shown_key(key: String) -> String {
    if SecretKey::parse(&key).is_ok() {
        key
    } else {
        String::new()
    }
}

/// Returns the errors of one entry's key and value.
fn entry_errors(key: &str, value: &str, existing_keys: &[SecretKey]) -> Vec<String> {
    let mut errors = Vec::new();
    match SecretKey::parse_new(key) {
        Ok(key) if existing_keys.contains(&key) => errors.push(DUPLICATE_KEY_MESSAGE.to_owned()),
        Ok(_) => {}
        Err(error) => errors.push(error.to_string()),
    }
    match validate_value(value) {
        Ok(()) => {}
        Err(ValueError::Empty) => {
            errors.push("The value is empty. Write the value after the = sign.".to_owned());
        }
        Err(error) => errors.push(error.to_string()),
    }
    errors
}

/// Number of other lines that a repeated key's message names.
const NAMED_LINES_MAX: usize = 3;

/// Adds an error to every row whose key another row of the text also has.
fn report_repeated_keys(rows: &mut [PreviewRow]) {
    let mut lines_of_key: HashMap<String, Vec<usize>> = HashMap::new();
    let entries_with_keys = rows
        .iter()
        .filter(|row| row.value_bytes.is_some() && !row.key.is_empty());
    for row in entries_with_keys {
        lines_of_key
            .entry(row.key.clone())
            .or_default()
            .push(row.line);
    }
    for row in rows.iter_mut() {
        let Some(lines) = lines_of_key.get(&row.key) else {
            continue;
        };
        if row.key.is_empty() || lines.len() < 2 {
            continue;
        }

        // At most a few lines are named, so that a text with thousands of
        // copies of one line gets short messages.
        let other_lines: Vec<String> = lines
            .iter()
            .filter(|line| **line != row.line)
            .take(NAMED_LINES_MAX)
            .map(ToString::to_string)
            .collect();
        let more = lines.len() - 1 - other_lines.len();
        let noun = if lines.len() == 2 { "line" } else { "lines" };
        let listed = other_lines.join(", ");
        row.errors.push(if more == 0 {
            format!("This key is also on {noun} {listed}. Keep one of them.")
        } else {
            format!("This key is also on lines {listed} and {more} more. Keep one of them.")
        });
    }
}

/// Adds an error to every valid entry after the ones that fit in the
/// company's limit, counting the secrets it already has. Entries with
/// errors would add nothing, so they are not counted.
fn report_rows_over_limit(rows: &mut [PreviewRow], existing: usize, limit: usize) {
    let room = limit.saturating_sub(existing);
    let entries = rows
        .iter_mut()
        .filter(|row| row.value_bytes.is_some() && row.is_valid());
    for (index, row) in entries.enumerate().skip(room) {
        row.errors.push(format!(
            "This would be secret number {}, over the company's limit of {limit}. It has {existing}, so {room} more fit. Remove lines or delete secrets first.",
            existing + index + 1
        ));
    }
}

/// Parses `text` again into the secrets to import, in the order of the
/// text, with empty descriptions. Returns `None` when a line is not an
/// entry or an entry is invalid, which a ready [`ImportPreview`] of the
/// same text rules out.
pub fn secrets_to_import(text: &str) -> Option<Vec<UnsealedSecret>> {
    parse_env(text)
        .into_iter()
        .map(|line| {
            let EnvLine::Entry(entry) = line else {
                return None;
            };
            let key = SecretKey::parse_new(&entry.key).ok()?;
            let value = SecretValue::new(entry.value).ok()?;
            Some(UnsealedSecret {
                key,
                value,
                description: Description::default(),
            })
        })
        .collect()
}

/// Returns the size of a value for a preview row, such as `1 byte` or
/// `33,000 bytes`.
pub fn format_bytes(bytes: usize) -> String {
    if bytes == 1 {
        "1 byte".to_owned()
    } else {
        format!("{} bytes", group_thousands(bytes))
    }
}

/// Returns an empty text, in memory that is zeroed when replaced.
pub fn empty_text() -> Zeroizing<String> {
    Zeroizing::new(String::new())
}

#[cfg(test)]
mod tests {
    use secrets_core::api::ErrorCode;
    use secrets_core::VALUE_MAX_BYTES;

    use super::*;

    fn keys(keys: &[&str]) -> Vec<SecretKey> {
        keys.iter()
            .map(|key| SecretKey::parse(key).expect("valid key"))
            .collect()
    }

    fn row(preview: &ImportPreview, line: usize) -> &PreviewRow {
        preview
            .rows
            .iter()
            .find(|row| row.line == line)
            .unwrap_or_else(|| panic!("no row for line {line}: {preview:?}"))
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn preview_mixed_env_text() {
        let large = "x".repeat(33_000);
        let text = format!(
            "# Payments\nexport STRIPE_KEY=sk_live_1\nDB_URL=\"postgres://u:p@h/db?sslmode=require\"\n\nGREETING=it's\nNOTE=\"a # b\\nc\" # comment\nBIG={large}\n"
        );
        let preview = ImportPreview::of(&text, &[], 50);

        assert_eq!(preview.secret_count(), 5);
        assert_eq!(row(&preview, 2).key, "STRIPE_KEY");
        assert_eq!(row(&preview, 2).value_bytes, Some(9));
        assert!(row(&preview, 2).is_valid());
        assert_eq!(row(&preview, 3).value_bytes, Some(35));
        assert!(row(&preview, 3).is_valid());
        assert_eq!(row(&preview, 6).value_bytes, Some(7));
        assert!(row(&preview, 6).is_valid());
        let big = row(&preview, 7);
        assert_eq!(big.errors.len(), 1, "{big:?}");
        assert!(big.errors[0].contains("32,768"), "{big:?}");
        assert!(!preview.is_ready());
        assert!(secrets_to_import(&text).is_none());
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn preview_ready_text_imports() {
        let text = "A_KEY=one\nexport B_KEY='two words'\n";
        let preview = ImportPreview::of(text, &[], 50);
        assert!(preview.is_ready(), "{preview:?}");

        let secrets = secrets_to_import(text).expect("ready text parses");
        let keys: Vec<&str> = secrets.iter().map(|secret| secret.key.as_str()).collect();
        assert_eq!(keys, ["A_KEY", "B_KEY"]);
        assert_eq!(secrets[1].value.expose(), "two words");
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn preview_repeated_and_existing_keys() {
        let text = "A_KEY=1\nB_KEY=2\nA_KEY=3\n";
        let preview = ImportPreview::of(text, &keys(&["B_KEY"]), 50);
        assert_eq!(
            row(&preview, 1).errors,
            ["This key is also on line 3. Keep one of them."]
        );
        assert_eq!(
            row(&preview, 3).errors,
            ["This key is also on line 1. Keep one of them."]
        );
        assert_eq!(row(&preview, 2).errors, [DUPLICATE_KEY_MESSAGE]);
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn preview_many_repeats_short_messages() {
        let text = "DUP=1\n".repeat(5_000);
        let preview = ImportPreview::of(&text, &[], 50);
        assert_eq!(
            row(&preview, 1).errors[0],
            "This key is also on lines 2, 3, 4 and 4996 more. Keep one of them."
        );
        let longest = preview
            .rows
            .iter()
            .flat_map(|row| &row.errors)
            .map(String::len)
            .max();
        assert!(longest < Some(200), "{longest:?}");
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn preview_pem_lines_hide_their_text() {
        let text = "PEM=-----BEGIN KEY-----\nMIIBcanary+/abc==\nxyz=canary2\n";
        let preview = ImportPreview::of(text, &[], 50);
        let shown: Vec<&str> = preview.rows.iter().map(|row| row.key.as_str()).collect();
        assert_eq!(shown, ["PEM", "", ""]);
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn preview_rows_over_limit_named() {
        let existing: Vec<String> = (0..48).map(|index| format!("KEY_{index}")).collect();
        let existing: Vec<&str> = existing.iter().map(String::as_str).collect();
        let preview = ImportPreview::of("A=1\nB=2\nC=3\n", &keys(&existing), 50);
        assert!(row(&preview, 1).is_valid());
        assert!(row(&preview, 2).is_valid());
        let third = &row(&preview, 3).errors;
        assert_eq!(third.len(), 1);
        assert!(third[0].contains("secret number 51"), "{third:?}");
        assert!(third[0].contains("2 more fit"), "{third:?}");
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn preview_limit_skips_invalid_rows() {
        let existing: Vec<String> = (0..48).map(|index| format!("KEY_{index}")).collect();
        let existing: Vec<&str> = existing.iter().map(String::as_str).collect();
        let preview = ImportPreview::of("KEY_0=1\nA=1\nbad=\nB=2\n", &keys(&existing), 50);
        assert_eq!(row(&preview, 1).errors, [DUPLICATE_KEY_MESSAGE]);
        assert!(row(&preview, 2).is_valid());
        assert!(row(&preview, 4).is_valid(), "{preview:?}");
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn preview_key_and_syntax_errors() {
        let text = "\u{410}PI_KEY=x\nno equals here\nEMPTY=\nlower=x\n";
        let preview = ImportPreview::of(text, &[], 50);
        assert_eq!(row(&preview, 1).key, "");
        assert_eq!(row(&preview, 4).key, "");
        assert_eq!(row(&preview, 3).key, "EMPTY");
        assert!(row(&preview, 1).errors[0].contains("position 1"));
        assert!(row(&preview, 2).errors[0].contains("no = sign"));
        assert_eq!(row(&preview, 2).value_bytes, None);
        assert!(row(&preview, 3).errors[0].contains("empty"));
        assert!(row(&preview, 4).errors[0].contains("A-Z"));
        assert_eq!(preview.secret_count(), 3);
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn preview_warnings_do_not_block() {
        let preview = ImportPreview::of("A='abc123\u{200E}'\nB=Grüße\n", &[], 50);
        assert!(preview.is_ready());
        assert_eq!(row(&preview, 1).warnings.len(), 1);
        assert!(row(&preview, 1).warnings[0].contains("position 7"));
        assert!(row(&preview, 2).warnings.is_empty());
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn preview_server_errors_reach_rows() {
        let mut preview = ImportPreview::of("# c\nA=1\nbad line\nB=2\n", &[], 50);
        preview.add_server_errors(&[ImportItemError::new(
            1,
            "B",
            ErrorCode::DuplicateKey,
            DUPLICATE_KEY_MESSAGE.to_owned(),
        )]);
        assert_eq!(
            row(&preview, 4).errors.last().map(String::as_str),
            Some(DUPLICATE_KEY_MESSAGE)
        );
        assert!(row(&preview, 2).is_valid());
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn format_bytes_examples() {
        assert_eq!(format_bytes(1), "1 byte");
        assert_eq!(format_bytes(12), "12 bytes");
        assert_eq!(format_bytes(VALUE_MAX_BYTES), "32,768 bytes");
    }
}
