//! The encoded forms of a value that the masker looks for: the value itself,
//! its base64, also wrapped into lines, and its percent-encoded and
//! JSON-escaped text, and the same for the value without the ASCII
//! whitespace around it.
//!
//! A command may print a value as it came, but also inside a URL, an HTTP
//! `Authorization: Basic` header or a JSON document. Each function here
//! returns the bytes that such output contains, so the masker can replace
//! them. Forms that equal the value, or each other, are removed by the
//! caller.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use zeroize::Zeroizing;

use super::MIN_MASKED_BYTES;

/// Minimum length, in base64 characters, of the part of a value's base64
/// that is looked for inside a longer base64 text. Shorter parts would
/// also match unrelated base64 text too often.
const EMBEDDED_BASE64_MIN_CHARS: usize = 8;

/// Line lengths at which programs wrap base64: 76 characters for GNU
/// `base64` and MIME, 64 for PEM and `openssl base64`.
const BASE64_LINE_CHARS: [usize; 2] = [76, 64];

/// Returns every form of `value` that the masker looks for, the value
/// itself first. The list may contain duplicates.
///
/// When `value` has ASCII whitespace around it, the forms of the trimmed
/// text follow, as long as that text has at least [`MIN_MASKED_BYTES`]
/// bytes: `secrets add KEY < file` stores the file's final newline, and
/// programs strip it before they use the value. Trimming both sides also
/// covers a program that trims one side only, because its text and that
/// text's percent-encoded and JSON forms contain the forms of the trimmed
/// text. Its base64 contains the embedded base64 of the trimmed text, see
/// [`embedded_base64`], except when it is wrapped into lines.
pub fn encoded_forms(value: &[u8]) -> Vec<Zeroizing<Vec<u8>>> {
    let mut forms = forms_of(value);
    let trimmed = value.trim_ascii();
    if trimmed.len() != value.len() && trimmed.len() >= MIN_MASKED_BYTES {
        forms.extend(forms_of(trimmed));
    }
    forms
}

/// Returns `text` itself and all its encoded forms.
fn forms_of(text: &[u8]) -> Vec<Zeroizing<Vec<u8>>> {
    let mut forms = vec![Zeroizing::new(text.to_vec())];
    forms.extend(base64_forms(text));
    forms.extend(wrapped_base64_forms(text));
    forms.extend(percent_forms(text));
    if let Ok(text) = std::str::from_utf8(text) {
        forms.extend(json_forms(text));
    }
    forms
}

/// Returns the standard and URL-safe base64 of `value`, with and without
/// padding, and the parts of both that stay the same when `value` sits
/// inside a longer text that is encoded as a whole.
fn base64_forms(value: &[u8]) -> Vec<Zeroizing<Vec<u8>>> {
    let mut forms: Vec<Zeroizing<Vec<u8>>> = [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .map(|engine| Zeroizing::new(engine.encode(value).into_bytes()))
        .collect();
    for offset in 0..3 {
        let core = embedded_base64(value, offset);
        if core.len() >= EMBEDDED_BASE64_MIN_CHARS {
            let url_safe = core
                .iter()
                .map(|&byte| match byte {
                    b'+' => b'-',
                    b'/' => b'_',
                    other => other,
                })
                .collect();
            forms.push(Zeroizing::new(url_safe));
            forms.push(core);
        }
    }
    forms
}

/// Returns the standard base64 characters that depend only on `value`
/// when `offset` (0, 1 or 2) bytes of another text precede it in its
/// first 3-byte group and unknown bytes may follow it. This is how a
/// value appears in the base64 of `user:value` (HTTP Basic
/// authentication) or of the value with a newline after it.
fn embedded_base64(value: &[u8], offset: usize) -> Zeroizing<Vec<u8>> {
    // Character `j` of a base64 text encodes bits 6j to 6j+5 of the input.
    // The value occupies bits 8*offset to 8*(offset+len)-1, so character
    // `j` depends only on the value when both ends lie inside that range.
    let first_bit = 8 * offset;
    let end_bit = 8 * (offset + value.len());
    let first_char = first_bit.div_ceil(6);
    let end_char = end_bit / 6;
    if end_char <= first_char {
        return Zeroizing::new(Vec::new());
    }

    let mut shifted = Zeroizing::new(vec![0; offset]);
    shifted.extend_from_slice(value);
    let encoded = Zeroizing::new(STANDARD_NO_PAD.encode(&*shifted).into_bytes());
    Zeroizing::new(encoded[first_char..end_char].to_vec())
}

/// Returns the standard base64 of `value`, with padding, broken into lines
/// of each length in [`BASE64_LINE_CHARS`] with `\n`, for the lengths that
/// the encoding exceeds. The last line has no line break, so the pattern
/// matches whatever ends the output.
fn wrapped_base64_forms(value: &[u8]) -> Vec<Zeroizing<Vec<u8>>> {
    let encoded = Zeroizing::new(STANDARD.encode(value).into_bytes());
    let mut forms = Vec::new();
    for line_chars in BASE64_LINE_CHARS {
        if encoded.len() <= line_chars {
            continue;
        }
        let line_breaks = (encoded.len() - 1) / line_chars;
        let mut wrapped = Zeroizing::new(Vec::with_capacity(encoded.len() + line_breaks));
        for (index, line) in encoded.chunks(line_chars).enumerate() {
            if index > 0 {
                wrapped.push(b'\n');
            }
            wrapped.extend_from_slice(line);
        }
        forms.push(wrapped);
    }
    forms
}

/// Characters that percent-encoding leaves as they are, besides ASCII
/// letters and digits, in the three common variants.
const PERCENT_SAFE_SETS: [&[u8]; 3] = [
    // JavaScript's `encodeURIComponent`.
    b"-_.!~*'()",
    // The unreserved characters of RFC 3986, as Python's `quote(safe="")`
    // and Go's `url.QueryEscape` keep them.
    b"-_.~",
    // HTML form encoding (`application/x-www-form-urlencoded`) in the
    // WHATWG URL standard.
    b"*-._",
];

/// Characters that Python's `urllib.parse.quote` leaves as they are by
/// default (`safe='/'`), besides ASCII letters and digits: the unreserved
/// characters of RFC 3986 and `/`.
const PYTHON_QUOTE_SAFE: &[u8] = b"-_.~/";

const UPPER_HEX_DIGITS: &[u8; 16] = b"0123456789ABCDEF";
const LOWER_HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Returns the percent-encoded forms of `value`: each safe set of
/// [`PERCENT_SAFE_SETS`], with a space as `%20` or `+`, and with upper- or
/// lower-case hexadecimal digits, and the form of Python's `quote` for a
/// value with a `/`. Without a `/`, that form equals the RFC 3986 one.
fn percent_forms(value: &[u8]) -> Vec<Zeroizing<Vec<u8>>> {
    let mut forms = Vec::new();
    for safe in PERCENT_SAFE_SETS {
        for space_as_plus in [false, true] {
            for hex_digits in [UPPER_HEX_DIGITS, LOWER_HEX_DIGITS] {
                forms.push(percent_encoded(value, safe, space_as_plus, hex_digits));
            }
        }
    }
    if value.contains(&b'/') {
        forms.push(percent_encoded(
            value,
            PYTHON_QUOTE_SAFE,
            false,
            UPPER_HEX_DIGITS,
        ));
    }
    forms
}

/// Returns `value` percent-encoded: ASCII letters, digits and the bytes
/// in `safe` as they are, a space as `+` when `space_as_plus` is set, and
/// every other byte as `%XX` with `hex_digits`.
fn percent_encoded(
    value: &[u8],
    safe: &[u8],
    space_as_plus: bool,
    hex_digits: &[u8; 16],
) -> Zeroizing<Vec<u8>> {
    // The encoding of each byte value, its length first. The loop below
    // copies 3 bytes for every byte and keeps as many as the encoding has,
    // which avoids a branch per byte that random text mispredicts often.
    let mut encodings = [[0u8; 4]; 256];
    for (byte, encoding) in (0..=u8::MAX).zip(&mut encodings) {
        *encoding = if byte.is_ascii_alphanumeric() || safe.contains(&byte) {
            [1, byte, 0, 0]
        } else if byte == b' ' && space_as_plus {
            [1, b'+', 0, 0]
        } else {
            let high = hex_digits[usize::from(byte >> 4)];
            let low = hex_digits[usize::from(byte & 0x0f)];
            [3, b'%', high, low]
        };
    }

    // The buffer has room for the longest encoding and never grows.
    let mut encoded = Zeroizing::new(vec![0u8; value.len() * 3]);
    let mut length = 0;
    for &byte in value {
        let encoding = &encodings[usize::from(byte)];
        encoded[length..length + 3].copy_from_slice(&encoding[1..]);
        length += usize::from(encoding[0]);
    }
    encoded.truncate(length);
    encoded
}

/// The characters that a JSON encoder escapes besides `"`, `\` and the
/// control characters, which every encoder escapes.
#[derive(Clone, Copy, Debug, Default)]
struct JsonEscapes {
    /// Every non-ASCII character as `\u` escapes of its UTF-16 code
    /// units, as Python's `json.dumps` and PHP's `json_encode` write by
    /// default.
    ///
    /// NOTE: Python also writes DEL (U+007F) as `\u007f`, which no form
    /// here does, so a value with DEL is not masked in Python's JSON.
    non_ascii: bool,
    /// `/` as `\/`, as PHP's `json_encode` writes it by default.
    slash: bool,
    /// `<`, `>`, `&`, U+2028 and U+2029 as `\u003c`, `\u003e`, `\u0026`,
    /// `\u2028` and `\u2029`, as Go's `encoding/json` writes them by
    /// default.
    html: bool,
}

/// Returns the JSON-escaped forms of `text`: as `serde_json` and
/// JavaScript's `JSON.stringify` write it, as Python's `json.dumps` writes
/// it, and, where they differ from these, as PHP's `json_encode` (with and
/// without `JSON_UNESCAPED_UNICODE`) and Go's `encoding/json` write it.
fn json_forms(text: &str) -> Vec<Zeroizing<Vec<u8>>> {
    let mut styles = vec![
        JsonEscapes::default(),
        JsonEscapes {
            non_ascii: true,
            ..JsonEscapes::default()
        },
    ];
    if text.contains('/') {
        for non_ascii in [true, false] {
            styles.push(JsonEscapes {
                non_ascii,
                slash: true,
                ..JsonEscapes::default()
            });
        }
    }
    if text.contains(['<', '>', '&', '\u{2028}', '\u{2029}']) {
        styles.push(JsonEscapes {
            html: true,
            ..JsonEscapes::default()
        });
    }
    styles
        .into_iter()
        .map(|escapes| json_escaped(text, escapes))
        .collect()
}

/// Returns `text` as the inside of a JSON string, with the short escapes
/// (`\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f`), other control characters
/// as `\u00XX` with lower-case hexadecimal digits, and the other escapes
/// that `escapes` selects.
fn json_escaped(text: &str, escapes: JsonEscapes) -> Zeroizing<Vec<u8>> {
    let ascii_escapes = ascii_json_escapes(escapes);
    let bytes = text.as_bytes();

    // The buffer has room for the longest escape of every byte and never
    // grows, so no copy of the text is freed without being zeroed. An ASCII
    // character copies 6 bytes and keeps as many as its escape has, which
    // avoids a branch per character.
    let mut escaped = Zeroizing::new(vec![0u8; json_escaped_max_len(text)]);
    let mut length = 0;
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        if byte.is_ascii() {
            let escape = &ascii_escapes[usize::from(byte)];
            escaped[length..length + 6].copy_from_slice(&escape[1..]);
            length += usize::from(escape[0]);
            index += 1;
            continue;
        }

        let character = text[index..]
            .chars()
            .next()
            .expect("a non-ASCII byte at a character boundary starts a character");
        let width = character.len_utf8();
        let as_unicode_escapes =
            escapes.non_ascii || (escapes.html && matches!(character, '\u{2028}' | '\u{2029}'));
        if as_unicode_escapes {
            let mut units = [0u16; 2];
            for unit in character.encode_utf16(&mut units) {
                escaped[length..length + 6].copy_from_slice(&unicode_escape(*unit));
                length += 6;
            }
        } else {
            escaped[length..length + width].copy_from_slice(&bytes[index..index + width]);
            length += width;
        }
        index += width;
    }
    escaped.truncate(length);
    escaped
}

/// Returns the escape of each ASCII character inside a JSON string: its
/// length, then its bytes.
fn ascii_json_escapes(escapes: JsonEscapes) -> [[u8; 7]; 128] {
    let mut table = [[0u8; 7]; 128];
    for (byte, escape) in (0..=0x7f_u8).zip(&mut table) {
        let short = |second: u8| [2, b'\\', second, 0, 0, 0, 0];
        let unicode = || {
            let [first, second, third, fourth, fifth, sixth] = unicode_escape(u16::from(byte));
            [6, first, second, third, fourth, fifth, sixth]
        };
        *escape = match byte {
            b'"' => short(b'"'),
            b'\\' => short(b'\\'),
            b'\n' => short(b'n'),
            b'\r' => short(b'r'),
            b'\t' => short(b't'),
            0x08 => short(b'b'),
            0x0c => short(b'f'),
            control if control < 0x20 => unicode(),
            b'/' if escapes.slash => short(b'/'),
            b'<' | b'>' | b'&' if escapes.html => unicode(),
            other => [1, other, 0, 0, 0, 0, 0],
        };
    }
    table
}

/// Returns the largest length of the JSON-escaped `text`: 6 bytes for each
/// byte. A control character, `<`, `>` or `&` is 1 byte and its escape,
/// such as `\u001f`, 6 bytes. A non-ASCII character of n bytes becomes one
/// or two `\u` escapes, at most 3 bytes for each of its bytes.
fn json_escaped_max_len(text: &str) -> usize {
    text.len() * 6
}

/// Returns the JSON escape `\uXXXX` of a UTF-16 code unit, with lower-case
/// hexadecimal digits.
fn unicode_escape(unit: u16) -> [u8; 6] {
    let digit = |shift: u16| LOWER_HEX_DIGITS[usize::from((unit >> shift) & 0x0f)];
    [b'\\', b'u', digit(12), digit(8), digit(4), digit(0)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contains(forms: &[Zeroizing<Vec<u8>>], expected: &str) -> bool {
        forms.iter().any(|form| form[..] == *expected.as_bytes())
    }

    #[test]
    fn forms_include_the_value_first() {
        let forms = encoded_forms(b"s3cret");
        assert_eq!(&forms[0][..], b"s3cret");
    }

    #[test]
    fn forms_include_base64_variants() {
        // The bytes 0xfb 0xff encode to "+/8" in standard base64.
        let value = "a\u{fb}\u{ff}?".as_bytes();
        let forms = encoded_forms(value);
        for expected in [
            STANDARD.encode(value),
            STANDARD_NO_PAD.encode(value),
            URL_SAFE.encode(value),
            URL_SAFE_NO_PAD.encode(value),
        ] {
            assert!(contains(&forms, &expected), "{expected}");
        }
        assert!(contains(&forms, "YcO7w78/"));
        assert!(contains(&forms, "YcO7w78_"));
    }

    #[test]
    fn embedded_base64_appears_in_basic_authentication() {
        let value = b"correct horse battery";
        let forms = encoded_forms(value);
        for user in ["", "a", "ab", "abc", "user"] {
            let credentials = format!("{user}:correct horse battery\n");
            let encoded = STANDARD.encode(credentials.as_bytes());
            let found = forms.iter().any(|form| {
                encoded
                    .as_bytes()
                    .windows(form.len())
                    .any(|w| w == &form[..])
            });
            assert!(found, "user {user:?}: {encoded}");
        }
    }

    #[test]
    fn embedded_base64_is_skipped_when_short() {
        // A 4-byte value has at most 4 base64 characters that depend on it
        // alone, fewer than the minimum, so only the whole encodings count.
        assert_eq!(base64_forms(b"abcd").len(), 4);
        assert_eq!(embedded_base64(b"abc", 0).as_slice(), b"YWJj");
        // "\0abc" encodes to "AGFiYw": "A" and "G" depend on the byte
        // before the value, and "w" on the bytes after it.
        assert_eq!(embedded_base64(b"abc", 1).as_slice(), b"FiY");
        assert_eq!(embedded_base64(b"a", 2).as_slice(), b"h");
        assert!(embedded_base64(b"a", 1).is_empty());
    }

    #[test]
    fn forms_include_percent_encodings() {
        let forms = encoded_forms("p@ss word/é*~".as_bytes());
        for expected in [
            "p%40ss%20word%2F%C3%A9*~",
            "p%40ss%20word%2f%c3%a9*~",
            "p%40ss+word%2F%C3%A9*~",
            "p%40ss%20word%2F%C3%A9%2A~",
            "p%40ss+word%2f%c3%a9%2a~",
            "p%40ss+word%2F%C3%A9*%7E",
        ] {
            assert!(contains(&forms, expected), "{expected}");
        }
    }

    #[test]
    fn forms_include_json_escapes() {
        let forms = encoded_forms("line \"1\"\n\tGrüße\u{1}😀".as_bytes());
        assert!(contains(&forms, "line \\\"1\\\"\\n\\tGrüße\\u0001😀"));
        assert!(contains(
            &forms,
            "line \\\"1\\\"\\n\\tGr\\u00fc\\u00dfe\\u0001\\ud83d\\ude00"
        ));
    }

    #[test]
    fn json_escapes_match_serde_json() {
        let text = "a\"b\\c\n\r\t\u{8}\u{c}\u{1f}\u{7f}é";
        let quoted = serde_json::to_string(text).expect("serialize");
        let expected = &quoted.as_bytes()[1..quoted.len() - 1];
        assert_eq!(&json_escaped(text, JsonEscapes::default())[..], expected);
    }

    /// Escapes `text` character by character, the plain way that
    /// `json_escaped` must match.
    fn json_escaped_plainly(text: &str, escapes: JsonEscapes) -> String {
        let mut escaped = String::new();
        for character in text.chars() {
            let unicode = |escaped: &mut String, character: char| {
                let mut units = [0u16; 2];
                for unit in character.encode_utf16(&mut units) {
                    escaped.push_str(&format!("\\u{unit:04x}"));
                }
            };
            match character {
                '"' => escaped.push_str("\\\""),
                '\\' => escaped.push_str("\\\\"),
                '\n' => escaped.push_str("\\n"),
                '\r' => escaped.push_str("\\r"),
                '\t' => escaped.push_str("\\t"),
                '\u{8}' => escaped.push_str("\\b"),
                '\u{c}' => escaped.push_str("\\f"),
                control if control < ' ' => unicode(&mut escaped, control),
                '/' if escapes.slash => escaped.push_str("\\/"),
                '<' | '>' | '&' | '\u{2028}' | '\u{2029}' if escapes.html => {
                    unicode(&mut escaped, character);
                }
                other if escapes.non_ascii && !other.is_ascii() => unicode(&mut escaped, other),
                other => escaped.push(other),
            }
        }
        escaped
    }

    #[test]
    fn json_escaped_matches_plain_escaping() {
        use rand::{Rng, SeedableRng};
        let alphabet: Vec<char> = (0..0x80_u8)
            .map(char::from)
            .chain(['é', '€', '😀', '\u{2028}', '\u{2029}', '\u{ffff}'])
            .collect();
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        for _ in 0..200 {
            let text: String = (0..rng.gen_range(0..200))
                .map(|_| alphabet[rng.gen_range(0..alphabet.len())])
                .collect();
            for bits in 0..8 {
                let escapes = JsonEscapes {
                    non_ascii: bits & 1 != 0,
                    slash: bits & 2 != 0,
                    html: bits & 4 != 0,
                };
                let escaped = json_escaped(&text, escapes);
                let expected = json_escaped_plainly(&text, escapes);
                assert_eq!(
                    escaped.as_slice(),
                    expected.as_bytes(),
                    "{text:?} {escapes:?}"
                );
            }
        }
    }

    #[test]
    fn percent_encoded_matches_plain_encoding() {
        use rand::{RngCore, SeedableRng};
        let mut value = vec![0u8; 4096];
        rand::rngs::StdRng::seed_from_u64(4).fill_bytes(&mut value);
        value.extend(0..=u8::MAX);
        for safe in PERCENT_SAFE_SETS.into_iter().chain([PYTHON_QUOTE_SAFE]) {
            for space_as_plus in [false, true] {
                for hex_digits in [UPPER_HEX_DIGITS, LOWER_HEX_DIGITS] {
                    let mut expected = Vec::new();
                    for &byte in &value {
                        if byte.is_ascii_alphanumeric() || safe.contains(&byte) {
                            expected.push(byte);
                        } else if byte == b' ' && space_as_plus {
                            expected.push(b'+');
                        } else {
                            let high = hex_digits[usize::from(byte >> 4)];
                            let low = hex_digits[usize::from(byte & 0x0f)];
                            expected.extend([b'%', high, low]);
                        }
                    }
                    let encoded = percent_encoded(&value, safe, space_as_plus, hex_digits);
                    assert_eq!(encoded.as_slice(), expected.as_slice());
                }
            }
        }
    }

    #[test]
    fn json_escaped_never_grows_its_buffer() {
        // Control characters, `<`, `>`, `&` and, as `\u` escapes, 4-byte
        // characters are the longest escapes for their bytes.
        let all_escapes = JsonEscapes {
            non_ascii: true,
            slash: true,
            html: true,
        };
        for text in [
            "\u{1}\u{1f}\u{0}",
            "😀😀",
            "a\u{1}é😀\"\n",
            "<&>/\u{2028}",
            "",
        ] {
            for escapes in [JsonEscapes::default(), all_escapes] {
                let escaped = json_escaped(text, escapes);
                assert_eq!(escaped.capacity(), text.len() * 6, "{text:?}");
            }
        }
    }

    #[test]
    fn forms_include_php_json_escapes() {
        let forms = encoded_forms("https://hooks.example.com/é".as_bytes());
        // PHP's json_encode by default, and with JSON_UNESCAPED_UNICODE.
        assert!(contains(&forms, "https:\\/\\/hooks.example.com\\/\\u00e9"));
        assert!(contains(&forms, "https:\\/\\/hooks.example.com\\/é"));
    }

    #[test]
    fn forms_include_go_json_escapes() {
        let forms = encoded_forms("a=1&b=<2>\u{2028}é".as_bytes());
        assert!(contains(&forms, "a=1\\u0026b=\\u003c2\\u003e\\u2028é"));
    }

    #[test]
    fn json_forms_only_where_they_differ() {
        // serde_json's and Python's forms only, because the text has
        // nothing that PHP or Go escape differently.
        assert_eq!(json_forms("plain é").len(), 2);
        assert_eq!(json_forms("a/b").len(), 4);
        assert_eq!(json_forms("a&b").len(), 3);
        assert_eq!(json_forms("<a/b>").len(), 5);
    }

    #[test]
    fn forms_include_python_quote() {
        // urllib.parse.quote keeps `/` by default and encodes `+`.
        let value = b"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
        let forms = encoded_forms(value);
        assert!(contains(
            &forms,
            "wJalrXUtnFEMI/K7MDENG%2BbPxRfiCYEXAMPLEKEY"
        ));
        assert_eq!(percent_forms(value).len(), 13);
        assert_eq!(percent_forms(b"no slash+").len(), 12);
    }

    #[test]
    fn forms_include_the_trimmed_value() {
        let forms = encoded_forms(b"value\n");
        assert_eq!(&forms[0][..], b"value\n");
        for expected in ["value", "dmFsdWU=", "dmFsdWU"] {
            assert!(contains(&forms, expected), "{expected}");
        }
        let forms = encoded_forms(b" \tp@ss word\r\n");
        for expected in ["p@ss word", "p%40ss%20word", "p%40ss+word", "cEBzcyB3b3Jk"] {
            assert!(contains(&forms, expected), "{expected}");
        }
    }

    #[test]
    fn forms_skip_short_or_unchanged_trimmed_value() {
        // "ab" is shorter than the minimum, so only the value's own forms.
        assert!(!contains(&encoded_forms(b"ab\n"), "ab"));
        assert_eq!(encoded_forms(b" ab\n").len(), forms_of(b" ab\n").len());
        assert_eq!(encoded_forms(b"value").len(), forms_of(b"value").len());
    }

    #[test]
    fn forms_include_wrapped_base64() {
        // 58 bytes encode to 80 characters: wrapped at 76 and at 64.
        let value = [b'k'; 58];
        let encoded = STANDARD.encode(value);
        assert_eq!(encoded.len(), 80);
        let forms = encoded_forms(&value);
        let at_76 = format!("{}\n{}", &encoded[..76], &encoded[76..]);
        let at_64 = format!("{}\n{}", &encoded[..64], &encoded[64..]);
        assert!(contains(&forms, &at_76), "{at_76}");
        assert!(contains(&forms, &at_64), "{at_64}");

        // 57 bytes encode to exactly 76 characters: wrapped at 64 only.
        let forms = wrapped_base64_forms(&[b'k'; 57]);
        assert_eq!(forms.len(), 1);
        assert_eq!(forms[0].iter().filter(|&&byte| byte == b'\n').count(), 1);

        // 200 bytes encode to 268 characters: 3 line breaks at 76, 4 at 64.
        let forms = wrapped_base64_forms(&[b'k'; 200]);
        let line_breaks: Vec<usize> = forms
            .iter()
            .map(|form| form.iter().filter(|&&byte| byte == b'\n').count())
            .collect();
        assert_eq!(line_breaks, [3, 4]);
        assert!(forms.iter().all(|form| form.last() != Some(&b'\n')));

        // 48 bytes encode to 64 characters, which fit on one line.
        assert!(wrapped_base64_forms(&[b'k'; 48]).is_empty());
    }

    #[test]
    fn invalid_utf8_has_no_json_form() {
        let forms = encoded_forms(b"\xff\xfe\xfd");
        assert_eq!(forms.len(), 1 + 4 + 12);
    }
}
