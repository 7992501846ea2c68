//! Warnings about a value that is valid but may not be what the owner
//! meant: whitespace at either end, a trailing newline, invisible
//! characters. They never block saving, and the value is stored exactly as
//! typed. The server does not compute them.

use std::fmt;

use crate::characters::{invisible_name, is_space_code_point};

/// Number of invisible characters that get a warning of their own; the
/// rest are counted in [`ValueWarning::MoreInvisibleCharacters`].
pub const NAMED_INVISIBLE_MAX: usize = 3;

/// Something about a value that the owner may want to check before saving.
/// `Display` is the sentence the form shows. It never contains any part of
/// the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueWarning {
    /// The value starts with a space, a tab, a line break or other
    /// whitespace.
    LeadingWhitespace,
    /// The value ends with whitespace, not counting a final line break.
    TrailingWhitespace,
    /// The value ends with a line break (`\n` or `\r\n`).
    TrailingNewline,
    /// The value contains an invisible character or a space other than the
    /// ASCII space. Tabs and line breaks are normal in values and do not
    /// count.
    InvisibleCharacter {
        /// The character's code point.
        code_point: u32,
        /// The character's Unicode name.
        name: &'static str,
        /// 1-based position of the character in the value, in characters.
        position: usize,
    },
    /// The value contains more invisible characters than the first
    /// [`NAMED_INVISIBLE_MAX`], which have warnings of their own.
    MoreInvisibleCharacters {
        /// Number of invisible characters after the named ones.
        count: usize,
    },
}

impl fmt::Display for ValueWarning {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SAVED_AS_TYPED: &str = "It will be saved exactly as typed";
        match self {
            Self::LeadingWhitespace => write!(
                formatter,
                "The value starts with a space or other whitespace. {SAVED_AS_TYPED}, so remove it if the service does not expect it."
            ),
            Self::TrailingWhitespace => write!(
                formatter,
                "The value ends with a space or other whitespace. {SAVED_AS_TYPED}, so remove it if the service does not expect it."
            ),
            Self::TrailingNewline => write!(
                formatter,
                "The value ends with a newline. {SAVED_AS_TYPED}, so remove the newline if the service does not expect it."
            ),
            Self::InvisibleCharacter {
                code_point,
                name,
                position,
            } => {
                let kind = if is_space_code_point(*code_point) {
                    "a special space"
                } else {
                    "an invisible character"
                };
                write!(
                    formatter,
                    "The value contains {kind} (U+{code_point:04X} {name}) at position {position}. {SAVED_AS_TYPED}, so delete the character if it does not belong there."
                )
            }
            Self::MoreInvisibleCharacters { count } => {
                let characters = if *count == 1 { "character" } else { "characters" };
                write!(
                    formatter,
                    "The value contains {count} more invisible {characters}. {SAVED_AS_TYPED}."
                )
            }
        }
    }
}

/// Returns the warnings for `value`, in the order leading whitespace,
/// trailing whitespace, trailing newline, invisible characters. It reads
/// the value in place and copies no part of it.
pub fn value_warnings(value: &str) -> Vec<ValueWarning> {
    let mut warnings = Vec::new();

    if value.starts_with(char::is_whitespace) {
        warnings.push(ValueWarning::LeadingWhitespace);
    }
    let without_newline = value
        .strip_suffix("\r\n")
        .or_else(|| value.strip_suffix('\n'));
    if without_newline
        .unwrap_or(value)
        .ends_with(char::is_whitespace)
    {
        warnings.push(ValueWarning::TrailingWhitespace);
    }
    if without_newline.is_some() {
        warnings.push(ValueWarning::TrailingNewline);
    }

    let mut invisible_count = 0;
    let mut previous = None;
    // Tag characters still to come in the flag sequence being read.
    let mut flag_tags_left = 0;
    let mut characters = value.chars().enumerate();
    while let Some((index, character)) = characters.next() {
        if character == '\u{1F3F4}' {
            // Cloning the iterator reads ahead without copying the value.
            flag_tags_left = flag_tag_count(characters.clone().map(|(_, next)| next));
        }
        let in_flag = is_tag(character) && flag_tags_left > 0;
        if in_flag {
            flag_tags_left -= 1;
        }
        let name = if in_flag {
            None
        } else {
            unexpected_invisible_name(character, previous)
        };
        if let Some(name) = name {
            invisible_count += 1;
            if invisible_count <= NAMED_INVISIBLE_MAX {
                warnings.push(ValueWarning::InvisibleCharacter {
                    code_point: character as u32,
                    name,
                    position: index + 1,
                });
            }
        }
        previous = Some(character);
    }
    if invisible_count > NAMED_INVISIBLE_MAX {
        warnings.push(ValueWarning::MoreInvisibleCharacters {
            count: invisible_count - NAMED_INVISIBLE_MAX,
        });
    }
    warnings
}

/// Returns the name of `character` when it is an invisible character that
/// is unexpected after `previous`, and `None` for normal text.
///
/// Tabs and line breaks are normal in values. Some invisible characters
/// are normal text in context. A zero width joiner or non-joiner joins the
/// parts of an emoji sequence (`👩‍💻`) and the letters of Arabic and Indic
/// words. A variation selector after a visible character chooses its form
/// (`❤️`). Tag characters are normal only in a flag sequence, which the
/// caller checks with [`flag_tag_count`].
fn unexpected_invisible_name(character: char, previous: Option<char>) -> Option<&'static str> {
    if matches!(character, '\t' | '\n' | '\r') {
        return None;
    }
    let name = invisible_name(character)?;
    let previous_is = |test: fn(char) -> bool| previous.is_some_and(test);
    let normal_in_context = match character {
        '\u{200D}' => previous_is(is_emoji) || previous_is(is_joining_script),
        '\u{200C}' => previous_is(is_joining_script),
        '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}' => {
            previous_is(|previous| invisible_name(previous).is_none())
        }
        _ => false,
    };
    (!normal_in_context).then_some(name)
}

/// Returns `true` for a character that can come before a zero width
/// joiner in an emoji sequence: the emoji blocks U+1F000 to U+1FAFF, the
/// symbols and dingbats of U+2600 to U+27BF, and the emoji variation
/// selector U+FE0F.
fn is_emoji(character: char) -> bool {
    ('\u{1F000}'..='\u{1FAFF}').contains(&character)
        || ('\u{2600}'..='\u{27BF}').contains(&character)
        || character == '\u{FE0F}'
}

/// Returns `true` for letters of Arabic (U+0600 to U+06FF) and the Indic
/// scripts (U+0900 to U+0DFF), whose words use zero width joiners and
/// non-joiners to choose letter forms.
fn is_joining_script(character: char) -> bool {
    ('\u{600}'..='\u{6FF}').contains(&character) || ('\u{900}'..='\u{DFF}').contains(&character)
}

/// Returns the number of tag characters that follow a black flag (U+1F3F4)
/// as a subdivision flag such as England's: up to 7 tags, the last of
/// which is CANCEL TAG (U+E007F). Returns 0 when they are not such a
/// sequence, so that each of them is warned about.
fn flag_tag_count(after_flag: impl Iterator<Item = char>) -> usize {
    const MAX_FLAG_TAGS: usize = 7;
    for (index, character) in after_flag.take(MAX_FLAG_TAGS).enumerate() {
        if character == '\u{E007F}' {
            return index + 1;
        }
        if !is_tag(character) {
            return 0;
        }
    }
    0
}

fn is_tag(character: char) -> bool {
    ('\u{E0020}'..='\u{E007F}').contains(&character)
}

#[cfg(test)]
mod tests {
    use super::*;

    use ValueWarning::*;

    fn invisible(code_point: u32, name: &'static str, position: usize) -> ValueWarning {
        InvisibleCharacter {
            code_point,
            name,
            position,
        }
    }

    #[test]
    fn value_warnings_direction_mark_position() {
        assert_eq!(
            value_warnings("abc123\u{200E}"),
            [invisible(0x200E, "LEFT-TO-RIGHT MARK", 7)]
        );
    }

    #[test]
    fn value_warnings_normal_text_none() {
        for text in [
            "Grüße",
            "日本語",
            "👩\u{200D}💻",
            "❤\u{FE0F}\u{200D}🔥",
            "1\u{FE0F}\u{20E3}",
            "e\u{301}",
            "\u{1F3F4}\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}",
            "می\u{200C}خواهم",
            "-----BEGIN KEY-----\nMIIB\n-----END KEY-----",
            "a\tb",
            "line 1\r\nline 2",
            "s3cr3t",
        ] {
            assert_eq!(value_warnings(text), [], "{text:?}");
        }
    }

    #[test]
    fn value_warnings_hidden_tag_text() {
        // ASCII text hidden in tag characters after a black flag, with no
        // CANCEL TAG at the end, or too long for a subdivision flag.
        let unterminated = "\u{1F3F4}\u{E0068}\u{E0069}";
        assert_eq!(value_warnings(unterminated).len(), 2);
        let hidden: String = std::iter::once('\u{1F3F4}')
            .chain(
                "hidden"
                    .chars()
                    .map(|letter| char::from_u32(0xE0000 + letter as u32).expect("tag character")),
            )
            .chain(['\u{E0073}', '\u{E0065}', '\u{E007F}'])
            .collect();
        assert!(
            value_warnings(&hidden).len() >= 3,
            "{:?}",
            value_warnings(&hidden)
        );
        assert_eq!(value_warnings("x\u{E0041}").len(), 1);
    }

    #[test]
    fn value_warnings_format_characters_named() {
        for character in [
            '\u{180B}',
            '\u{2800}',
            '\u{FFF9}',
            '\u{13437}',
            '\u{1BCA0}',
            '\u{1D173}',
        ] {
            let warnings = value_warnings(&format!("ab{character}c"));
            assert!(
                matches!(warnings[..], [InvisibleCharacter { position: 3, .. }]),
                "U+{:04X}: {warnings:?}",
                character as u32
            );
        }
    }

    #[test]
    fn value_warnings_joiner_after_private_use() {
        assert_eq!(
            value_warnings("\u{F0000}\u{200D}x"),
            [invisible(0x200D, "ZERO WIDTH JOINER", 2)]
        );
    }

    #[test]
    fn value_warnings_whitespace_at_ends() {
        let cases: &[(&str, &[ValueWarning])] = &[
            ("  x", &[LeadingWhitespace]),
            ("\tx", &[LeadingWhitespace]),
            ("\nx", &[LeadingWhitespace]),
            ("x ", &[TrailingWhitespace]),
            ("x\t", &[TrailingWhitespace]),
            ("x\n", &[TrailingNewline]),
            ("x\r\n", &[TrailingNewline]),
            ("x \n", &[TrailingWhitespace, TrailingNewline]),
            ("x\n\n", &[TrailingWhitespace, TrailingNewline]),
            (" x ", &[LeadingWhitespace, TrailingWhitespace]),
        ];
        for (text, expected) in cases {
            assert_eq!(value_warnings(text), *expected, "{text:?}");
        }
    }

    #[test]
    fn value_warnings_invisible_characters() {
        let cases: &[(&str, &[ValueWarning])] = &[
            ("pass\u{A0}word", &[invisible(0xA0, "NO-BREAK SPACE", 5)]),
            (
                "\u{FEFF}token",
                &[invisible(0xFEFF, "ZERO WIDTH NO-BREAK SPACE", 1)],
            ),
            ("ab\u{200D}c", &[invisible(0x200D, "ZERO WIDTH JOINER", 3)]),
            (
                "a\u{200C}b",
                &[invisible(0x200C, "ZERO WIDTH NON-JOINER", 2)],
            ),
            (
                "\u{FE0F}x",
                &[invisible(0xFE0F, "VARIATION SELECTOR-16", 1)],
            ),
            ("x\u{E0041}", &[invisible(0xE0041, "TAG", 2)]),
            ("x\u{1B}[0m", &[invisible(0x1B, "ESCAPE", 2)]),
            (
                "x\u{2003}",
                &[TrailingWhitespace, invisible(0x2003, "EM SPACE", 2)],
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(value_warnings(text), *expected, "{text:?}");
        }
    }

    #[test]
    fn value_warnings_count_after_three() {
        let text = "a\u{200B}b\u{200B}c\u{200B}d\u{200B}e\u{200B}";
        let warnings = value_warnings(text);
        assert_eq!(
            warnings,
            [
                invisible(0x200B, "ZERO WIDTH SPACE", 2),
                invisible(0x200B, "ZERO WIDTH SPACE", 4),
                invisible(0x200B, "ZERO WIDTH SPACE", 6),
                MoreInvisibleCharacters { count: 2 },
            ]
        );
    }

    #[test]
    fn value_warning_messages_hide_value() {
        let text = "canary\u{200E} \n";
        let messages: Vec<String> = value_warnings(text)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            messages,
            [
                "The value ends with a space or other whitespace. It will be saved exactly as typed, so remove it if the service does not expect it.",
                "The value ends with a newline. It will be saved exactly as typed, so remove the newline if the service does not expect it.",
                "The value contains an invisible character (U+200E LEFT-TO-RIGHT MARK) at position 7. It will be saved exactly as typed, so delete the character if it does not belong there.",
            ]
        );
        for message in messages {
            assert!(!message.contains("canary"), "{message}");
        }
    }

    #[test]
    fn value_warning_other_messages() {
        assert_eq!(
            LeadingWhitespace.to_string(),
            "The value starts with a space or other whitespace. It will be saved exactly as typed, so remove it if the service does not expect it."
        );
        assert_eq!(
            invisible(0xA0, "NO-BREAK SPACE", 5).to_string(),
            "The value contains a special space (U+00A0 NO-BREAK SPACE) at position 5. It will be saved exactly as typed, so delete the character if it does not belong there."
        );
        assert_eq!(
            MoreInvisibleCharacters { count: 1 }.to_string(),
            "The value contains 1 more invisible character. It will be saved exactly as typed."
        );
    }
}
