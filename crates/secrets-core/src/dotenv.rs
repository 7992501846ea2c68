//! Parsing of pasted `.env` text into keys and values, for the import
//! panel, and of one `KEY=value` line pasted into the key field.
//!
//! The rules follow the common loaders: python-dotenv 1.x
//! (`src/dotenv/parser.py`), the Rust crate dotenvy (`dotenvy/src/parse.rs`)
//! and Docker Compose's env files (<https://docs.docker.com/compose/env-file/>):
//!
//! - Blank lines and lines whose first non-blank character is `#` are
//!   skipped. A byte order mark at the start is skipped.
//! - `export ` before the key is removed (any spaces or tabs after it).
//! - Spaces and tabs around the key and the `=` are removed. The value is
//!   everything after the first `=`, so `URL=postgres://h/db?sslmode=require`
//!   keeps its second `=`.
//! - An unquoted value loses its spaces and tabs at both ends. A `#` after a
//!   space or tab starts a comment, while a `#` right after a character is
//!   part of the value (`A=b#c` is `b#c`). Quotes inside it are kept
//!   (`A=it's`), and backslashes are literal.
//! - A value in single quotes is literal: no escapes, `#` kept, and it may
//!   span lines.
//! - A value in double quotes may span lines, keeps `#`, and decodes the
//!   escapes of python-dotenv: `\\ \' \" \a \b \f \n \r \t \v`. Other
//!   backslashes are kept as written.
//! - After a closing quote, only spaces, tabs and a `#` comment may follow.
//! - Lines end with LF or CR LF. Inside quoted values, CR LF becomes LF, so
//!   a value does not depend on the line endings of the file it came from.
//!
//! Where the loaders differ, this parser takes the stricter or more literal
//! rule, because an import stores values that are never shown again:
//!
//! - Single quotes are fully literal, as in POSIX shells and dotenvy.
//!   python-dotenv and Compose decode `\'` and `\\` inside them.
//! - `$` is kept as written: there is no variable expansion, because an
//!   import has no environment to expand from and passwords contain `$`.
//! - A line without `=` is an error, where python-dotenv reads a key
//!   without a value.
//! - Only spaces and tabs are trimmed. Other whitespace, such as a no-break
//!   space, stays in the key or value, so that the key and value checks can
//!   name it.
//! - A quote that is never closed ends the parse, because the lines after
//!   it are probably part of the value and must not show up as keys.

use std::fmt;

use zeroize::Zeroizing;

/// One result of [`parse_env`]: an entry, or a line that could not be
/// parsed.
#[derive(Debug, PartialEq, Eq)]
pub enum EnvLine {
    /// A key and its value.
    Entry(EnvEntry),
    /// A line that is not a valid entry.
    Invalid {
        /// 1-based number of the line where the entry starts.
        line: usize,
        /// The reason the line is not an entry.
        error: EnvSyntaxError,
    },
}

/// A key and its value from `.env` text.
#[derive(PartialEq, Eq)]
pub struct EnvEntry {
    /// 1-based number of the line where the entry starts.
    pub line: usize,
    /// The key as written, neither validated nor uppercased. Check it with
    /// [`SecretKey::parse_new`](crate::SecretKey::parse_new).
    pub key: String,
    /// The value after quotes and escapes are removed. It may be empty or
    /// too large, so the caller checks it as a value.
    pub value: Zeroizing<String>,
}

impl fmt::Debug for EnvEntry {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("EnvEntry")
            .field("line", &self.line)
            .field("key", &self.key)
            .field("value", &format_args!("<{} bytes>", self.value.len()))
            .finish()
    }
}

/// Reason why a line of `.env` text is not an entry. `Display` is the
/// sentence the import panel shows beside the line number. It never quotes
/// the line, which may contain a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EnvSyntaxError {
    /// The line has no `=`.
    #[error("The line has no = sign. Write it as KEY=value.")]
    MissingEquals,

    /// Nothing but spaces comes before the `=`.
    #[error("The line has no key before the = sign. Write it as KEY=value.")]
    MissingKey,

    /// The value opens a quote that is never closed.
    #[error("The value starts with a {} that is never closed, so the rest of the text was not read. Add the closing quote.", quote_name(*quote))]
    UnterminatedQuote {
        /// The opening quote: `"` or `'`.
        quote: char,
    },

    /// Something other than a comment follows the closing quote.
    #[error("Text follows the value's closing {}. Put the whole value inside the quotes, or start a comment with #.", quote_name(*quote))]
    TextAfterClosingQuote {
        /// The quote: `"` or `'`.
        quote: char,
    },
}

fn quote_name(quote: char) -> &'static str {
    if quote == '"' {
        "double quote (\")"
    } else {
        "single quote (')"
    }
}

/// Characters trimmed around keys, `=` and unquoted values.
const BLANKS: [char; 2] = [' ', '\t'];

/// Parses `.env` text into entries and line errors, in the order of the
/// text. Comments and blank lines produce nothing. The rules are in the
/// module documentation.
pub fn parse_env(text: &str) -> Vec<EnvLine> {
    let mut lines = Lines {
        rest: text.strip_prefix('\u{FEFF}').unwrap_or(text),
        number: 1,
    };
    let mut results = Vec::new();

    while !lines.rest.is_empty() {
        let start = lines.number;
        let remaining = lines.rest;
        let line = lines.next_line();

        // Skip blank lines and comments, then remove `export `.
        let content = line.trim_start_matches(BLANKS);
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let content = strip_export(content);

        // Split the key from the value at the first `=`.
        let Some((key, after_equals)) = content.split_once('=') else {
            results.push(invalid(start, EnvSyntaxError::MissingEquals));
            continue;
        };
        let key = key.trim_matches(BLANKS);
        if key.is_empty() {
            results.push(invalid(start, EnvSyntaxError::MissingKey));
            continue;
        }

        // Read the value: a quoted one may continue on the following lines.
        let value_text = after_equals.trim_start_matches(BLANKS);
        let value = match value_text.chars().next() {
            Some(quote @ ('"' | '\'')) => {
                // `value_text` ends where `line` ends, and `line` starts
                // `remaining`, so this is where the quoted text starts.
                let opening = line.len() - value_text.len();
                match read_quoted(&mut lines, &remaining[opening + 1..], start, quote) {
                    Ok(value) => value,
                    Err(error) => {
                        results.push(invalid(start, error));
                        continue;
                    }
                }
            }
            _ => read_unquoted(after_equals),
        };
        results.push(EnvLine::Entry(EnvEntry {
            line: start,
            key: key.to_owned(),
            value,
        }));
    }
    results
}

/// The text not parsed yet, split into lines as it is consumed.
struct Lines<'a> {
    rest: &'a str,
    /// 1-based number of the line that `rest` starts on.
    number: usize,
}

impl<'a> Lines<'a> {
    /// Removes the next line and its line ending (LF or CR LF) from `rest`
    /// and returns the line without its ending.
    fn next_line(&mut self) -> &'a str {
        let (line, rest) = match self.rest.split_once('\n') {
            Some((line, rest)) => (line, rest),
            None => (self.rest, ""),
        };
        self.rest = rest;
        self.number += 1;
        line.strip_suffix('\r').unwrap_or(line)
    }
}

fn invalid(line: usize, error: EnvSyntaxError) -> EnvLine {
    EnvLine::Invalid { line, error }
}

/// Removes `export` and the spaces or tabs after it. `export` without a
/// blank after it is part of the key (`exported=1`, `export=1`).
fn strip_export(content: &str) -> &str {
    match content.strip_prefix("export") {
        Some(rest) if rest.starts_with(BLANKS) => rest.trim_start_matches(BLANKS),
        _ => content,
    }
}

/// Returns the unquoted value in `after_equals`, the text after the `=`:
/// without a comment that starts with a blank and `#`, and without blanks
/// at either end.
fn read_unquoted(after_equals: &str) -> Zeroizing<String> {
    let mut end = after_equals.len();
    let mut previous = None;
    for (index, character) in after_equals.char_indices() {
        if character == '#' && previous.is_some_and(|previous| BLANKS.contains(&previous)) {
            end = index;
            break;
        }
        previous = Some(character);
    }
    Zeroizing::new(after_equals[..end].trim_matches(BLANKS).to_owned())
}

/// Reads a quoted value from `text`, which starts right after the opening
/// quote and runs to the end of the input. On success, `lines` continues
/// after the line of the closing quote.
fn read_quoted<'a>(
    lines: &mut Lines<'a>,
    text: &'a str,
    start: usize,
    quote: char,
) -> Result<Zeroizing<String>, EnvSyntaxError> {
    let Some(closing) = find_closing_quote(text, quote) else {
        // The rest of the input is probably the value itself, so none of
        // it is parsed as entries.
        lines.rest = "";
        return Err(EnvSyntaxError::UnterminatedQuote { quote });
    };
    let raw = &text[..closing];
    let value = if quote == '"' {
        decode_double_quoted(raw)
    } else {
        decode_single_quoted(raw)
    };

    // Continue after the closing quote: only a comment may follow it on
    // its line.
    lines.rest = &text[closing + 1..];
    lines.number = start + raw.matches('\n').count();
    let after_quote = lines.next_line().trim_start_matches(BLANKS);
    if !after_quote.is_empty() && !after_quote.starts_with('#') {
        return Err(EnvSyntaxError::TextAfterClosingQuote { quote });
    }
    Ok(value)
}

/// Returns the byte index of the quote that closes a value in `text`. In
/// double quotes, a backslash escapes the character after it.
fn find_closing_quote(text: &str, quote: char) -> Option<usize> {
    if quote == '\'' {
        return text.find('\'');
    }
    // Every byte compared here is ASCII, and the bytes of a multibyte
    // character are never ASCII, so skipping one byte after a backslash
    // never lands on a quote that belongs to another character.
    let bytes = text.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'\\' => index += 2,
            b'"' => return Some(index),
            _ => index += 1,
        }
    }
    None
}

/// Decodes the text between single quotes: literal, except that CR LF
/// becomes LF.
fn decode_single_quoted(raw: &str) -> Zeroizing<String> {
    // The value is never longer than `raw`, so the buffer never moves and
    // leaves no copy behind.
    let mut value = Zeroizing::new(String::with_capacity(raw.len()));
    let mut characters = raw.chars().peekable();
    while let Some(character) = characters.next() {
        if character == '\r' && characters.peek() == Some(&'\n') {
            continue;
        }
        value.push(character);
    }
    value
}

/// Decodes the text between double quotes: the escapes of python-dotenv,
/// other backslashes kept as written, and CR LF as LF.
fn decode_double_quoted(raw: &str) -> Zeroizing<String> {
    // The value is never longer than `raw`, so the buffer never moves and
    // leaves no copy behind.
    let mut value = Zeroizing::new(String::with_capacity(raw.len()));
    let mut characters = raw.chars().peekable();
    while let Some(character) = characters.next() {
        let decoded = match character {
            '\r' if characters.peek() == Some(&'\n') => continue,
            '\\' => match characters.peek().copied() {
                Some(escaped @ ('\\' | '\'' | '"')) => escaped,
                Some('a') => '\u{7}',
                Some('b') => '\u{8}',
                Some('f') => '\u{C}',
                Some('n') => '\n',
                Some('r') => '\r',
                Some('t') => '\t',
                Some('v') => '\u{B}',
                // An unknown escape stays as written: the backslash here,
                // the character after it in the next round.
                _ => {
                    value.push('\\');
                    continue;
                }
            },
            character => {
                value.push(character);
                continue;
            }
        };
        characters.next();
        value.push(decoded);
    }
    value
}

/// Characters that structure a URL and never occur in an environment
/// variable's name.
const URL_CHARACTERS: [char; 8] = [':', '/', '\\', '?', '#', '@', '&', '%'];

/// Splits one `KEY=value` or `export KEY=value` pasted into the key field
/// into the key and the value.
///
/// The key is trimmed of spaces and tabs, without `export `, and otherwise
/// as written (the form uppercases it). The value is every byte after the
/// first `=`, exactly as pasted: quotes and a final line break are kept,
/// and the value warnings then point them out.
///
/// Returns `None` when the text has no `=`, or when the key is empty or
/// contains a space or tab. It also returns `None` when the text has a line
/// break anywhere but at the very end, because text of several lines is
/// `.env` text for the import panel.
///
/// A token pasted into the key field by mistake must not become a key. So
/// it also returns `None` when only `=` signs and a line break follow the
/// first `=`, which is base64 padding as in `c2VjcmV0=`. It does the same
/// when the key contains a character that structures URLs (`:/\?#@&%`), as
/// in `https://host/path?x=1`.
pub fn split_assignment(text: &str) -> Option<(&str, &str)> {
    let body = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(text);
    if body.contains(['\n', '\r']) {
        return None;
    }

    let (key, value) = text.split_once('=')?;
    let key = strip_export(key.trim_start_matches(BLANKS)).trim_end_matches(BLANKS);
    if key.is_empty() || key.contains(BLANKS) || key.contains(URL_CHARACTERS) {
        return None;
    }
    if value
        .trim_end_matches(['\r', '\n'])
        .trim_start_matches('=')
        .is_empty()
    {
        return None;
    }
    Some((key, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Returns the entries of `text` as (line, key, value), and fails on a
    /// line error.
    fn entries(text: &str) -> Vec<(usize, String, String)> {
        parse_env(text)
            .into_iter()
            .map(|parsed| match parsed {
                EnvLine::Entry(entry) => (entry.line, entry.key, entry.value.to_string()),
                EnvLine::Invalid { line, error } => panic!("line {line}: {error}"),
            })
            .collect()
    }

    /// Returns the only entry of `text` as (key, value).
    fn single(text: &str) -> (String, String) {
        let mut parsed = entries(text);
        assert_eq!(parsed.len(), 1, "{text:?}");
        let (_, key, value) = parsed.remove(0);
        (key, value)
    }

    fn value_of(text: &str) -> String {
        single(text).1
    }

    fn entry(line: usize, key: &str, value: &str) -> (usize, String, String) {
        (line, key.to_owned(), value.to_owned())
    }

    #[test]
    fn parse_env_issue_example() {
        let large = "x".repeat(33 * 1024);
        let text = format!(
            "# Production settings\n\
             export STRIPE_API_KEY=sk_live_abc123\n\
             \n\
             DATABASE_URL=postgres://user:p@ss@db:5432/app?sslmode=require # primary\n\
             GREETING='Hello # not a comment'\n\
             PEM=\"line 1\\nline 2\"\n\
             LARGE_VALUE={large}\n"
        );
        assert_eq!(
            entries(&text),
            [
                entry(2, "STRIPE_API_KEY", "sk_live_abc123"),
                entry(
                    4,
                    "DATABASE_URL",
                    "postgres://user:p@ss@db:5432/app?sslmode=require"
                ),
                entry(5, "GREETING", "Hello # not a comment"),
                entry(6, "PEM", "line 1\nline 2"),
                entry(7, "LARGE_VALUE", &large),
            ]
        );
    }

    #[test]
    fn parse_env_comments_and_blank_lines_skipped() {
        let text = "# comment\n   # indented comment\n\n \t \nA=1\n#B=2\n";
        assert_eq!(entries(text), [entry(5, "A", "1")]);
    }

    #[test]
    fn parse_env_export_prefix() {
        assert_eq!(single("export A=1"), ("A".to_owned(), "1".to_owned()));
        assert_eq!(single("export \t  A=1"), ("A".to_owned(), "1".to_owned()));
        assert_eq!(
            single("exported=1"),
            ("exported".to_owned(), "1".to_owned())
        );
        assert_eq!(single("export=1"), ("export".to_owned(), "1".to_owned()));
    }

    #[test]
    fn parse_env_whitespace_around_key_and_equals() {
        assert_eq!(single("  A  =  b c  "), ("A".to_owned(), "b c".to_owned()));
        assert_eq!(single("\tA\t=\t'x'\t"), ("A".to_owned(), "x".to_owned()));
    }

    #[test]
    fn parse_env_unquoted_values() {
        let cases = [
            ("A=b#c", "b#c"),
            ("A=b #c", "b"),
            ("A=b\t# c", "b"),
            ("A=#c", "#c"),
            ("A= #c", ""),
            ("A=", ""),
            ("A=   ", ""),
            ("A=it's", "it's"),
            ("A=say \"hi\"", "say \"hi\""),
            ("A=c:\\new\\dir", "c:\\new\\dir"),
            ("A=a=b==", "a=b=="),
            ("A=$HOME", "$HOME"),
            ("A=x\u{A0}", "x\u{A0}"),
        ];
        for (text, expected) in cases {
            assert_eq!(value_of(text), expected, "{text:?}");
        }
    }

    #[test]
    fn parse_env_single_quotes_literal() {
        let cases = [
            ("A='b # c'", "b # c"),
            ("A='\\n\\t\\\\'", "\\n\\t\\\\"),
            ("A='say \"hi\"'", "say \"hi\""),
            ("A=''", ""),
            ("A='  padded  '", "  padded  "),
            ("A='x' # comment", "x"),
            ("A='x'#comment", "x"),
        ];
        for (text, expected) in cases {
            assert_eq!(value_of(text), expected, "{text:?}");
        }
    }

    #[test]
    fn parse_env_single_quotes_span_lines() {
        let text = "KEY='-----BEGIN KEY-----\nMIIB\n-----END KEY-----'\nNEXT=1\n";
        assert_eq!(
            entries(text),
            [
                entry(1, "KEY", "-----BEGIN KEY-----\nMIIB\n-----END KEY-----"),
                entry(4, "NEXT", "1"),
            ]
        );
    }

    #[test]
    fn parse_env_double_quote_escapes() {
        let cases = [
            (r#"A="a\nb""#, "a\nb"),
            (r#"A="a\r\tb""#, "a\r\tb"),
            (r#"A="q\"q""#, "q\"q"),
            (r#"A="s\'s""#, "s's"),
            (r#"A="back\\slash""#, "back\\slash"),
            (r#"A="\a\b\f\v""#, "\u{7}\u{8}\u{C}\u{B}"),
            (r#"A="unknown\x\d""#, "unknown\\x\\d"),
            (r#"A="ends\\""#, "ends\\"),
            (r##"A="# kept""##, "# kept"),
            (r#"A="it's""#, "it's"),
            (r#"A="""#, ""),
            (r#"A="x" # comment"#, "x"),
        ];
        for (text, expected) in cases {
            assert_eq!(value_of(text), expected, "{text:?}");
        }
    }

    #[test]
    fn parse_env_double_quotes_span_lines() {
        let text = "A=\"first\n  second \\\"quoted\\\"\nthird\"\nB=2";
        assert_eq!(
            entries(text),
            [
                entry(1, "A", "first\n  second \"quoted\"\nthird"),
                entry(4, "B", "2"),
            ]
        );
    }

    #[test]
    fn parse_env_crlf_input() {
        let text = "A=1\r\nB=two words \r\nC=\"x\r\ny\"\r\nD='p\r\nq'\r\n\r\nE=\"e\"\r\n";
        assert_eq!(
            entries(text),
            [
                entry(1, "A", "1"),
                entry(2, "B", "two words"),
                entry(3, "C", "x\ny"),
                entry(5, "D", "p\nq"),
                entry(8, "E", "e"),
            ]
        );
    }

    #[test]
    fn parse_env_byte_order_mark_skipped() {
        assert_eq!(entries("\u{FEFF}A=1\n"), [entry(1, "A", "1")]);
    }

    #[test]
    fn parse_env_keys_as_written() {
        let text = "db_password=x\nMY-KEY=y\n\u{410}PI=z\n";
        let keys: Vec<String> = entries(text).into_iter().map(|(_, key, _)| key).collect();
        assert_eq!(keys, ["db_password", "MY-KEY", "\u{410}PI"]);
    }

    #[test]
    fn parse_env_line_errors() {
        let text = "A=1\nno equals here\n = value\nB=\"x\" trailing\nC='y'z\nD=4\n";
        assert_eq!(
            parse_env(text),
            [
                EnvLine::Entry(EnvEntry {
                    line: 1,
                    key: "A".to_owned(),
                    value: Zeroizing::new("1".to_owned()),
                }),
                invalid(2, EnvSyntaxError::MissingEquals),
                invalid(3, EnvSyntaxError::MissingKey),
                invalid(4, EnvSyntaxError::TextAfterClosingQuote { quote: '"' }),
                invalid(5, EnvSyntaxError::TextAfterClosingQuote { quote: '\'' }),
                EnvLine::Entry(EnvEntry {
                    line: 6,
                    key: "D".to_owned(),
                    value: Zeroizing::new("4".to_owned()),
                }),
            ]
        );
    }

    #[test]
    fn parse_env_multiline_error_at_start() {
        let text = "A=\"x\ny\" z\nB=1";
        let parsed = parse_env(text);
        assert_eq!(
            parsed[0],
            invalid(1, EnvSyntaxError::TextAfterClosingQuote { quote: '"' })
        );
        assert_eq!(parsed.len(), 2);
        assert!(matches!(&parsed[1], EnvLine::Entry(entry) if entry.line == 3));
    }

    #[test]
    fn parse_env_unterminated_quote_stops() {
        for (text, quote) in [
            ("A=1\nB=\"never closed\nC=hidden=value\n", '"'),
            ("A=1\nB='never closed\nC=hidden=value\n", '\''),
            ("A=1\nB=\"escaped at end\\\"\nC=2\n", '"'),
        ] {
            let parsed = parse_env(text);
            assert_eq!(parsed.len(), 2, "{text:?}");
            assert_eq!(
                parsed[1],
                invalid(2, EnvSyntaxError::UnterminatedQuote { quote }),
                "{text:?}"
            );
        }
    }

    #[test]
    fn env_syntax_messages() {
        assert_eq!(
            EnvSyntaxError::MissingEquals.to_string(),
            "The line has no = sign. Write it as KEY=value."
        );
        assert_eq!(
            EnvSyntaxError::UnterminatedQuote { quote: '"' }.to_string(),
            "The value starts with a double quote (\") that is never closed, so the rest of the text was not read. Add the closing quote."
        );
        assert_eq!(
            EnvSyntaxError::TextAfterClosingQuote { quote: '\'' }.to_string(),
            "Text follows the value's closing single quote ('). Put the whole value inside the quotes, or start a comment with #."
        );
    }

    #[test]
    fn env_entry_debug_hides_value() {
        let parsed = parse_env("TOKEN=canary-5e1d");
        let printed = format!("{parsed:?}");
        assert!(!printed.contains("canary"), "{printed}");
        assert!(printed.contains("TOKEN"), "{printed}");
        assert!(printed.contains("<11 bytes>"), "{printed}");
    }

    #[test]
    fn split_assignment_examples() {
        let cases = [
            ("DB_PASSWORD=s3cr3tValue", ("DB_PASSWORD", "s3cr3tValue")),
            (
                "export DB_PASSWORD=s3cr3tValue",
                ("DB_PASSWORD", "s3cr3tValue"),
            ),
            ("db_password=s3cr3tValue", ("db_password", "s3cr3tValue")),
            ("KEY=a=b", ("KEY", "a=b")),
            ("KEY==b", ("KEY", "=b")),
            ("my-key=value", ("my-key", "value")),
            ("KEY=value\n", ("KEY", "value\n")),
            ("KEY=value\r\n", ("KEY", "value\r\n")),
            ("  KEY = \"quoted\" ", ("KEY", " \"quoted\" ")),
            ("API\u{A0}KEY=x", ("API\u{A0}KEY", "x")),
        ];
        for (text, expected) in cases {
            assert_eq!(split_assignment(text), Some(expected), "{text:?}");
        }
    }

    #[test]
    fn split_assignment_rejects_non_assignments() {
        for text in [
            "no equals",
            "A=1\nB=2",
            "A=1\rB=2",
            "KEY=value\n\n",
            "=value",
            "  =value",
            "api key=value",
            "export =value",
            "KEY=",
            "KEY=\n",
            "c2VjcmV0dmFsdWU=",
            "c2VjcmV0dmFsdWU==\n",
            "https://host/path?x=1",
            "user@host=x",
        ] {
            assert_eq!(split_assignment(text), None, "{text:?}");
        }
    }
}
