//! Secret keys: the names that agents and code use to refer to a secret.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::characters::{invisible_name, is_space_code_point, look_alike};

mod vague;

pub use vague::{is_vague_key, VAGUE_KEY_HINT};

/// Maximum length of a key, in characters.
pub const KEY_MAX_CHARS: usize = 64;

/// A validated secret key: `A`-`Z`, `0`-`9` and `_`, starting with a letter,
/// 1 to 64 characters long.
///
/// Keys are case-sensitive and never folded: `api_key` is rejected rather
/// than stored as `API_KEY`, so that what an owner typed is what an agent
/// receives. The form uppercases as the owner types ([`uppercase_ascii_letters`]);
/// the REST API does not.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SecretKey(String);

/// Reason why a string is not a valid [`SecretKey`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The key is empty.
    #[error("Enter a key.")]
    Empty,

    /// The key contains a character outside `A`-`Z`, `0`-`9` and `_`, or its
    /// first character is not a letter.
    #[error("Use A-Z, 0-9, and underscores. Must start with a letter.")]
    InvalidCharacters,

    /// The key contains an invisible character (a control, a zero-width
    /// character, a direction mark, a filler) or a space other than the
    /// ASCII space. The message names it instead of showing it.
    #[error("{}", invisible_character_message(*code_point, name, *position))]
    InvisibleCharacter {
        /// The character's code point.
        code_point: u32,
        /// The character's Unicode name, such as `ZERO WIDTH SPACE`.
        name: &'static str,
        /// 1-based position of the character in the key, in characters.
        position: usize,
    },

    /// The key contains a letter of another script, or a fullwidth form,
    /// that looks like a Latin letter, a digit or the underscore, such as
    /// the Cyrillic `А` in place of `A`.
    #[error("{}", look_alike_message(*character, *code_point, name, *looks_like, *position))]
    LookAlike {
        /// The character as it appears in the key.
        character: char,
        /// The character's code point.
        code_point: u32,
        /// The character's Unicode name, such as `CYRILLIC CAPITAL LETTER A`.
        name: &'static str,
        /// The ASCII letter, digit or underscore that it looks like.
        looks_like: char,
        /// 1-based position of the character in the key, in characters.
        position: usize,
    },

    /// The key is made of valid characters but is longer than
    /// [`KEY_MAX_CHARS`].
    #[error("Keys can be at most {KEY_MAX_CHARS} characters long. This one has {length}.")]
    TooLong {
        /// Length of the rejected key, in characters.
        length: usize,
    },

    /// The key is valid, but names an environment variable that changes how
    /// the programs of a task run; see [`SecretKey::is_reserved`].
    #[error("This key is reserved: as an environment variable it would change how the programs of a task run, like PATH or LD_PRELOAD do. Choose another key.")]
    Reserved,
}

/// Environment variables that change how programs run: where they load
/// code and settings from, which shell code runs first, where traffic goes
/// and which certificates are trusted. A secret with one of these keys
/// would let anyone who may add secrets run code in a task and read every
/// other value of the task, so new secrets may not use them.
const RESERVED_KEYS: &[&str] = &[
    // Shells and the process's basics.
    "BASH_ENV",
    "BASHOPTS",
    "CDPATH",
    "ENV",
    "GLOBIGNORE",
    "HOME",
    "IFS",
    "LANG",
    "LANGUAGE",
    "LOGNAME",
    "OLDPWD",
    "PATH",
    "PROMPT_COMMAND",
    "PS1",
    "PS2",
    "PS3",
    "PS4",
    "PWD",
    "SHELL",
    "SHELLOPTS",
    "TERM",
    "TMPDIR",
    "TZ",
    "USER",
    // Programs that other programs start.
    "BROWSER",
    "EDITOR",
    "LESSCLOSE",
    "LESSOPEN",
    "MANPAGER",
    "PAGER",
    "SSH_ASKPASS",
    "SSH_AUTH_SOCK",
    "VISUAL",
    // Network traffic and trusted certificates.
    "ALL_PROXY",
    "CURL_CA_BUNDLE",
    "FTP_PROXY",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "REQUESTS_CA_BUNDLE",
    "SSL_CERT_DIR",
    "SSL_CERT_FILE",
    // Language runtimes that load code or options from the environment.
    "CLASSPATH",
    "GEM_HOME",
    "GEM_PATH",
    "GOFLAGS",
    "GOPATH",
    "JAVA_TOOL_OPTIONS",
    "JDK_JAVA_OPTIONS",
    "NODE_EXTRA_CA_CERTS",
    "NODE_OPTIONS",
    "NODE_PATH",
    "NODE_TLS_REJECT_UNAUTHORIZED",
    "PERL5LIB",
    "PERL5OPT",
    "PERLLIB",
    "PYTHONBREAKPOINT",
    "PYTHONHOME",
    "PYTHONINSPECT",
    "PYTHONPATH",
    "PYTHONSTARTUP",
    "PYTHONUSERBASE",
    "PYTHONWARNINGS",
    "RUBYLIB",
    "RUBYOPT",
    "RUSTC_WRAPPER",
    "RUSTFLAGS",
    // Git starts programs that these name.
    "GIT_ASKPASS",
    "GIT_DIR",
    "GIT_EDITOR",
    "GIT_EXEC_PATH",
    "GIT_EXTERNAL_DIFF",
    "GIT_PAGER",
    "GIT_PROXY_COMMAND",
    "GIT_SSH",
    "GIT_SSH_COMMAND",
    "GIT_TEMPLATE_DIR",
    "GIT_WORK_TREE",
];

/// Prefixes of reserved keys: the dynamic loader's variables, exported
/// shell functions, the C library's settings and locales, Git's and npm's
/// configuration, and the variables that `secrets run` sets itself.
const RESERVED_PREFIXES: &[&str] = &[
    "BASH_FUNC_",
    "DYLD_",
    "GCONV_",
    "GIT_CONFIG",
    "GLIBC_",
    "LC_",
    "LD_",
    "MALLOC_",
    "NPM_CONFIG_",
    "SECRETS_",
];

impl SecretKey {
    /// Validates `text` as a key without changing it.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        validate_key(text)?;
        Ok(Self(text.to_owned()))
    }

    /// Validates `text` as the key of a new secret: a valid key that is
    /// not reserved.
    pub fn parse_new(text: &str) -> Result<Self, KeyError> {
        let key = Self::parse(text)?;
        if key.is_reserved() {
            return Err(KeyError::Reserved);
        }
        Ok(key)
    }

    /// Returns `true` when the key names an environment variable that
    /// changes how programs run, such as `PATH`, `BASH_ENV` or
    /// `LD_PRELOAD`. New secrets may not have such a key, and `secrets run`
    /// leaves out a stored secret that has one.
    pub fn is_reserved(&self) -> bool {
        RESERVED_KEYS.contains(&self.0.as_str())
            || RESERVED_PREFIXES
                .iter()
                .any(|prefix| self.0.starts_with(prefix))
    }

    /// Returns the key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn validate_key(text: &str) -> Result<(), KeyError> {
    find_confusing_character(text)?;

    let mut characters = text.chars();
    let Some(first) = characters.next() else {
        return Err(KeyError::Empty);
    };
    if !first.is_ascii_uppercase() {
        return Err(KeyError::InvalidCharacters);
    }
    if !characters.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_') {
        return Err(KeyError::InvalidCharacters);
    }

    // Every character is ASCII at this point, so bytes count characters.
    if text.len() > KEY_MAX_CHARS {
        return Err(KeyError::TooLong { length: text.len() });
    }
    Ok(())
}

/// Rejects the first invisible character or look-alike letter of `text`
/// with an error that names it, so that the owner learns what to fix
/// instead of reading the general rule for a key that looks valid.
fn find_confusing_character(text: &str) -> Result<(), KeyError> {
    for (index, character) in text.chars().enumerate() {
        let position = index + 1;
        if let Some(name) = invisible_name(character) {
            return Err(KeyError::InvisibleCharacter {
                code_point: character as u32,
                name,
                position,
            });
        }
        if let Some((name, looks_like)) = look_alike(character) {
            return Err(KeyError::LookAlike {
                character,
                code_point: character as u32,
                name,
                looks_like,
                position,
            });
        }
    }
    Ok(())
}

/// Returns the message of [`KeyError::InvisibleCharacter`]. It names the
/// character and never prints it, because it would show as nothing.
fn invisible_character_message(code_point: u32, name: &str, position: usize) -> String {
    if is_space_code_point(code_point) {
        format!("The key contains a space character (U+{code_point:04X} {name}) at position {position}. Keys cannot contain spaces, so delete it or type an underscore.")
    } else {
        format!("The key contains an invisible character (U+{code_point:04X} {name}) at position {position}. Delete it and type the key again.")
    }
}

/// Returns the message of [`KeyError::LookAlike`].
fn look_alike_message(
    character: char,
    code_point: u32,
    name: &str,
    looks_like: char,
    position: usize,
) -> String {
    let (looks_like_text, replacement) = match looks_like {
        '0'..='9' => (format!("the digit {looks_like}"), "digit"),
        '_' => ("an underscore".to_owned(), "underscore of your keyboard"),
        _ => (format!("the Latin letter {looks_like}"), "Latin letter"),
    };
    format!("The key contains {character} (U+{code_point:04X} {name}) at position {position}, which looks like {looks_like_text}. Type it with the {replacement}.")
}

/// Uppercases the ASCII letters `a`-`z` of `text` and keeps every other
/// character, so that a key typed in lowercase becomes valid while a dash or
/// a letter from another script stays visible for the message to explain.
///
/// The result has the same length in bytes and in UTF-16 code units as the
/// input, so a caret position inside a text input stays valid.
pub fn uppercase_ascii_letters(text: &str) -> String {
    text.to_ascii_uppercase()
}

impl TryFrom<String> for SecretKey {
    type Error = KeyError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        validate_key(&text)?;
        Ok(Self(text))
    }
}

impl TryFrom<&str> for SecretKey {
    type Error = KeyError;

    fn try_from(text: &str) -> Result<Self, Self::Error> {
        Self::parse(text)
    }
}

impl std::str::FromStr for SecretKey {
    type Err = KeyError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl From<SecretKey> for String {
    fn from(key: SecretKey) -> Self {
        key.0
    }
}

impl AsRef<str> for SecretKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SecretKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, formatter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INVALID: KeyError = KeyError::InvalidCharacters;

    #[test]
    fn reserved_keys_rejected_for_new_secrets() {
        for text in [
            "PATH",
            "BASH_ENV",
            "LD_PRELOAD",
            "DYLD_INSERT_LIBRARIES",
            "NODE_OPTIONS",
            "PYTHONPATH",
            "HTTPS_PROXY",
            "GIT_SSH_COMMAND",
            "GIT_CONFIG_KEY_0",
            "BASH_FUNC_LS__",
            "SECRETS_TASK_TOKEN",
        ] {
            let key = SecretKey::parse(text).expect("valid characters");
            assert!(key.is_reserved(), "{text}");
            assert_eq!(
                SecretKey::parse_new(text),
                Err(KeyError::Reserved),
                "{text}"
            );
        }
    }

    #[test]
    fn keys_that_only_resemble_reserved_ones_allowed() {
        for text in [
            "PATH_TO_REPORT",
            "GIT_TOKEN",
            "NODE_ENV",
            "PYTHON_API_KEY",
            "HOME_URL",
            "LDAP_PASSWORD",
            "SECRET",
        ] {
            assert_eq!(
                SecretKey::parse_new(text).map(|key| key.as_str().to_owned()),
                Ok(text.to_owned())
            );
        }
    }

    #[test]
    fn key_valid_examples() {
        let sixty_four = format!("A{}", "B".repeat(63));
        for text in [
            "API_KEY",
            "DB_URL_2",
            "MY_LONG_KEY_NAME",
            "A",
            sixty_four.as_str(),
        ] {
            assert_eq!(
                SecretKey::parse(text).map(String::from),
                Ok(text.to_owned()),
                "{text:?}"
            );
        }
    }

    #[test]
    fn key_invalid_examples() {
        let sixty_five = format!("A{}", "B".repeat(64));
        let cases: &[(&str, KeyError)] = &[
            ("my-key", INVALID),
            ("MY-KEY", INVALID),
            ("api key", INVALID),
            ("API KEY", INVALID),
            ("1STKEY", INVALID),
            ("_KEY", INVALID),
            ("", KeyError::Empty),
            (&sixty_five, KeyError::TooLong { length: 65 }),
            ("api_key", INVALID),
            ("API_KEY ", INVALID),
            (" API_KEY", INVALID),
            ("ÄPI_KEY", INVALID),
            // A combining accent is visible, so the general rule covers it.
            ("A\u{301}PI", INVALID),
            // Fullwidth punctuation looks like ASCII punctuation, which is
            // invalid anyway.
            ("API\u{FF0D}KEY", INVALID),
        ];
        for (text, expected) in cases {
            assert_eq!(SecretKey::parse(text), Err(*expected), "{text:?}");
        }
    }

    fn invisible(code_point: u32, name: &'static str, position: usize) -> KeyError {
        KeyError::InvisibleCharacter {
            code_point,
            name,
            position,
        }
    }

    #[test]
    fn key_invisible_characters_named() {
        let cases: &[(&str, KeyError)] = &[
            ("API\u{200B}KEY", invisible(0x200B, "ZERO WIDTH SPACE", 4)),
            ("KEY\u{200E}", invisible(0x200E, "LEFT-TO-RIGHT MARK", 4)),
            ("A\u{0}PI", invisible(0x0, "NULL", 2)),
            ("API_KEY\n", invisible(0xA, "LINE FEED", 8)),
            (
                "\u{FEFF}API_KEY",
                invisible(0xFEFF, "ZERO WIDTH NO-BREAK SPACE", 1),
            ),
            ("API\u{A0}KEY", invisible(0xA0, "NO-BREAK SPACE", 4)),
            ("API_KEY\u{E0041}", invisible(0xE0041, "TAG", 8)),
            // Positions count characters, not bytes: "É" is two bytes.
            ("ÉA\u{2066}", invisible(0x2066, "LEFT-TO-RIGHT ISOLATE", 3)),
            // The first confusing character wins, whatever comes after it.
            ("my-key\u{200D}", invisible(0x200D, "ZERO WIDTH JOINER", 7)),
        ];
        for (text, expected) in cases {
            assert_eq!(SecretKey::parse(text), Err(*expected), "{text:?}");
            assert_eq!(SecretKey::parse_new(text), Err(*expected), "{text:?}");
        }
    }

    #[test]
    fn key_look_alikes_named() {
        let cases: &[(&str, char, &str, char, usize)] = &[
            (
                "\u{410}PI_KEY",
                '\u{410}',
                "CYRILLIC CAPITAL LETTER A",
                'A',
                1,
            ),
            (
                "API_K\u{395}Y",
                '\u{395}',
                "GREEK CAPITAL LETTER EPSILON",
                'E',
                6,
            ),
            (
                "\u{FF21}PI",
                '\u{FF21}',
                "FULLWIDTH LATIN CAPITAL LETTER A",
                'A',
                1,
            ),
            ("DB_\u{FF11}", '\u{FF11}', "FULLWIDTH DIGIT ONE", '1', 4),
            ("DB\u{FF3F}URL", '\u{FF3F}', "FULLWIDTH LOW LINE", '_', 3),
            ("\u{212A}EY", '\u{212A}', "KELVIN SIGN", 'K', 1),
            ("api_\u{43E}k", '\u{43E}', "CYRILLIC SMALL LETTER O", 'o', 5),
        ];
        for &(text, character, name, looks_like, position) in cases {
            let expected = KeyError::LookAlike {
                character,
                code_point: character as u32,
                name,
                looks_like,
                position,
            };
            assert_eq!(SecretKey::parse(text), Err(expected), "{text:?}");
        }
    }

    #[test]
    fn key_character_messages_readable() {
        assert_eq!(
            SecretKey::parse("\u{410}PI_KEY").expect_err("look-alike").to_string(),
            "The key contains \u{410} (U+0410 CYRILLIC CAPITAL LETTER A) at position 1, which looks like the Latin letter A. Type it with the Latin letter."
        );
        assert_eq!(
            SecretKey::parse("API\u{200B}KEY").expect_err("invisible").to_string(),
            "The key contains an invisible character (U+200B ZERO WIDTH SPACE) at position 4. Delete it and type the key again."
        );
        assert_eq!(
            SecretKey::parse("API\u{A0}KEY").expect_err("space").to_string(),
            "The key contains a space character (U+00A0 NO-BREAK SPACE) at position 4. Keys cannot contain spaces, so delete it or type an underscore."
        );
        assert_eq!(
            SecretKey::parse("DB_\u{FF11}").expect_err("digit").to_string(),
            "The key contains \u{FF11} (U+FF11 FULLWIDTH DIGIT ONE) at position 4, which looks like the digit 1. Type it with the digit."
        );
        assert_eq!(
            SecretKey::parse("API_KEY\u{E0041}").expect_err("tag").to_string(),
            "The key contains an invisible character (U+E0041 TAG) at position 8. Delete it and type the key again."
        );
    }

    #[test]
    fn key_messages_match_spec() {
        assert_eq!(
            KeyError::InvalidCharacters.to_string(),
            "Use A-Z, 0-9, and underscores. Must start with a letter."
        );
        assert_eq!(
            KeyError::TooLong { length: 65 }.to_string(),
            "Keys can be at most 64 characters long. This one has 65."
        );
        assert_eq!(KeyError::Empty.to_string(), "Enter a key.");
    }

    #[test]
    fn key_too_long_and_invalid_reports_characters() {
        let text = format!("A-{}", "B".repeat(70));
        assert_eq!(SecretKey::parse(&text), Err(INVALID));
    }

    #[test]
    fn uppercase_keeps_other_characters() {
        assert_eq!(uppercase_ascii_letters("my-key"), "MY-KEY");
        assert_eq!(uppercase_ascii_letters("db_url_2"), "DB_URL_2");
        assert_eq!(uppercase_ascii_letters("\u{0430}pi"), "\u{0430}PI");
        assert_eq!(uppercase_ascii_letters("straße"), "STRAßE");
        assert_eq!(
            SecretKey::parse(&uppercase_ascii_letters("my-key")),
            Err(INVALID)
        );
    }

    #[test]
    fn key_deserialize_validates() {
        let parsed: Result<SecretKey, _> = serde_json::from_str("\"api_key\"");
        assert!(parsed.is_err());
        let parsed: SecretKey = serde_json::from_str("\"API_KEY\"").expect("valid key");
        assert_eq!(parsed.as_str(), "API_KEY");
        assert_eq!(
            serde_json::to_string(&parsed).expect("serialize"),
            "\"API_KEY\""
        );
    }
}
