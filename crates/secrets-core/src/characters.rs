//! Characters that a key must not contain and a value should be checked
//! for: invisible characters (controls, zero-width characters, direction
//! marks, fillers), spaces other than the ASCII space, and letters of other
//! scripts that look like Latin letters or digits.
//!
//! The tables are small on purpose: the SPA ships this code to the browser,
//! so it names the few dozen characters that owners actually meet instead
//! of carrying the Unicode name list.

/// Invisible characters with their Unicode names (or, for controls, their
/// formal name aliases), sorted by code point.
const INVISIBLE: &[(char, &str)] = &[
    ('\u{00}', "NULL"),
    ('\u{09}', "CHARACTER TABULATION"),
    ('\u{0A}', "LINE FEED"),
    ('\u{0B}', "LINE TABULATION"),
    ('\u{0C}', "FORM FEED"),
    ('\u{0D}', "CARRIAGE RETURN"),
    ('\u{1B}', "ESCAPE"),
    ('\u{7F}', "DELETE"),
    ('\u{85}', "NEXT LINE"),
    ('\u{AD}', "SOFT HYPHEN"),
    ('\u{34F}', "COMBINING GRAPHEME JOINER"),
    ('\u{61C}', "ARABIC LETTER MARK"),
    ('\u{115F}', "HANGUL CHOSEONG FILLER"),
    ('\u{1160}', "HANGUL JUNGSEONG FILLER"),
    ('\u{17B4}', "KHMER VOWEL INHERENT AQ"),
    ('\u{17B5}', "KHMER VOWEL INHERENT AA"),
    ('\u{180B}', "MONGOLIAN FREE VARIATION SELECTOR ONE"),
    ('\u{180C}', "MONGOLIAN FREE VARIATION SELECTOR TWO"),
    ('\u{180D}', "MONGOLIAN FREE VARIATION SELECTOR THREE"),
    ('\u{180E}', "MONGOLIAN VOWEL SEPARATOR"),
    ('\u{180F}', "MONGOLIAN FREE VARIATION SELECTOR FOUR"),
    ('\u{200B}', "ZERO WIDTH SPACE"),
    ('\u{200C}', "ZERO WIDTH NON-JOINER"),
    ('\u{200D}', "ZERO WIDTH JOINER"),
    ('\u{200E}', "LEFT-TO-RIGHT MARK"),
    ('\u{200F}', "RIGHT-TO-LEFT MARK"),
    ('\u{202A}', "LEFT-TO-RIGHT EMBEDDING"),
    ('\u{202B}', "RIGHT-TO-LEFT EMBEDDING"),
    ('\u{202C}', "POP DIRECTIONAL FORMATTING"),
    ('\u{202D}', "LEFT-TO-RIGHT OVERRIDE"),
    ('\u{202E}', "RIGHT-TO-LEFT OVERRIDE"),
    ('\u{2060}', "WORD JOINER"),
    ('\u{2061}', "FUNCTION APPLICATION"),
    ('\u{2062}', "INVISIBLE TIMES"),
    ('\u{2063}', "INVISIBLE SEPARATOR"),
    ('\u{2064}', "INVISIBLE PLUS"),
    ('\u{2066}', "LEFT-TO-RIGHT ISOLATE"),
    ('\u{2067}', "RIGHT-TO-LEFT ISOLATE"),
    ('\u{2068}', "FIRST STRONG ISOLATE"),
    ('\u{2069}', "POP DIRECTIONAL ISOLATE"),
    ('\u{206A}', "INHIBIT SYMMETRIC SWAPPING"),
    ('\u{206B}', "ACTIVATE SYMMETRIC SWAPPING"),
    ('\u{206C}', "INHIBIT ARABIC FORM SHAPING"),
    ('\u{206D}', "ACTIVATE ARABIC FORM SHAPING"),
    ('\u{206E}', "NATIONAL DIGIT SHAPES"),
    ('\u{206F}', "NOMINAL DIGIT SHAPES"),
    ('\u{2800}', "BRAILLE PATTERN BLANK"),
    ('\u{3164}', "HANGUL FILLER"),
    ('\u{FEFF}', "ZERO WIDTH NO-BREAK SPACE"),
    ('\u{FFA0}', "HALFWIDTH HANGUL FILLER"),
    ('\u{FFF9}', "INTERLINEAR ANNOTATION ANCHOR"),
    ('\u{FFFA}', "INTERLINEAR ANNOTATION SEPARATOR"),
    ('\u{FFFB}', "INTERLINEAR ANNOTATION TERMINATOR"),
    ('\u{13430}', "EGYPTIAN HIEROGLYPH VERTICAL JOINER"),
    ('\u{13431}', "EGYPTIAN HIEROGLYPH HORIZONTAL JOINER"),
    ('\u{13432}', "EGYPTIAN HIEROGLYPH INSERT AT TOP START"),
    ('\u{13433}', "EGYPTIAN HIEROGLYPH INSERT AT BOTTOM START"),
    ('\u{13434}', "EGYPTIAN HIEROGLYPH INSERT AT TOP END"),
    ('\u{13435}', "EGYPTIAN HIEROGLYPH INSERT AT BOTTOM END"),
    ('\u{13436}', "EGYPTIAN HIEROGLYPH OVERLAY MIDDLE"),
    ('\u{13437}', "EGYPTIAN HIEROGLYPH BEGIN SEGMENT"),
    ('\u{13438}', "EGYPTIAN HIEROGLYPH END SEGMENT"),
    ('\u{1BCA0}', "SHORTHAND FORMAT LETTER OVERLAP"),
    ('\u{1BCA1}', "SHORTHAND FORMAT CONTINUING OVERLAP"),
    ('\u{1BCA2}', "SHORTHAND FORMAT DOWN STEP"),
    ('\u{1BCA3}', "SHORTHAND FORMAT UP STEP"),
    ('\u{1D173}', "MUSICAL SYMBOL BEGIN BEAM"),
    ('\u{1D174}', "MUSICAL SYMBOL END BEAM"),
    ('\u{1D175}', "MUSICAL SYMBOL BEGIN TIE"),
    ('\u{1D176}', "MUSICAL SYMBOL END TIE"),
    ('\u{1D177}', "MUSICAL SYMBOL BEGIN SLUR"),
    ('\u{1D178}', "MUSICAL SYMBOL END SLUR"),
    ('\u{1D179}', "MUSICAL SYMBOL BEGIN PHRASE"),
    ('\u{1D17A}', "MUSICAL SYMBOL END PHRASE"),
    ('\u{E0001}', "LANGUAGE TAG"),
    ('\u{E007F}', "CANCEL TAG"),
];

/// Spaces other than the ASCII space, with their Unicode names, sorted by
/// code point. They look like a space, or like nothing, but are other
/// characters.
const SPACES: &[(char, &str)] = &[
    ('\u{A0}', "NO-BREAK SPACE"),
    ('\u{1680}', "OGHAM SPACE MARK"),
    ('\u{2000}', "EN QUAD"),
    ('\u{2001}', "EM QUAD"),
    ('\u{2002}', "EN SPACE"),
    ('\u{2003}', "EM SPACE"),
    ('\u{2004}', "THREE-PER-EM SPACE"),
    ('\u{2005}', "FOUR-PER-EM SPACE"),
    ('\u{2006}', "SIX-PER-EM SPACE"),
    ('\u{2007}', "FIGURE SPACE"),
    ('\u{2008}', "PUNCTUATION SPACE"),
    ('\u{2009}', "THIN SPACE"),
    ('\u{200A}', "HAIR SPACE"),
    ('\u{2028}', "LINE SEPARATOR"),
    ('\u{2029}', "PARAGRAPH SEPARATOR"),
    ('\u{202F}', "NARROW NO-BREAK SPACE"),
    ('\u{205F}', "MEDIUM MATHEMATICAL SPACE"),
    ('\u{3000}', "IDEOGRAPHIC SPACE"),
];

/// Names of U+FE00 to U+FE0F, in order.
const VARIATION_SELECTORS: [&str; 16] = [
    "VARIATION SELECTOR-1",
    "VARIATION SELECTOR-2",
    "VARIATION SELECTOR-3",
    "VARIATION SELECTOR-4",
    "VARIATION SELECTOR-5",
    "VARIATION SELECTOR-6",
    "VARIATION SELECTOR-7",
    "VARIATION SELECTOR-8",
    "VARIATION SELECTOR-9",
    "VARIATION SELECTOR-10",
    "VARIATION SELECTOR-11",
    "VARIATION SELECTOR-12",
    "VARIATION SELECTOR-13",
    "VARIATION SELECTOR-14",
    "VARIATION SELECTOR-15",
    "VARIATION SELECTOR-16",
];

/// Letters of other scripts, and a few symbols, that look like a Latin
/// letter, a digit or the underscore: (character, Unicode name, the ASCII
/// character it looks like), sorted by code point. Fullwidth forms are
/// computed in [`look_alike`] instead.
///
/// The list covers the Cyrillic and Greek letters that common fonts draw
/// like Latin ones, and the dotless i and the Kelvin sign, which Unicode
/// case mappings turn into ASCII letters. It also covers the Roman numerals
/// for I, V, X, L, C, D and M, which Japanese and Chinese input methods
/// offer.
const LOOK_ALIKES: &[(char, &str, char)] = &[
    ('\u{131}', "LATIN SMALL LETTER DOTLESS I", 'i'),
    ('\u{391}', "GREEK CAPITAL LETTER ALPHA", 'A'),
    ('\u{392}', "GREEK CAPITAL LETTER BETA", 'B'),
    ('\u{395}', "GREEK CAPITAL LETTER EPSILON", 'E'),
    ('\u{396}', "GREEK CAPITAL LETTER ZETA", 'Z'),
    ('\u{397}', "GREEK CAPITAL LETTER ETA", 'H'),
    ('\u{399}', "GREEK CAPITAL LETTER IOTA", 'I'),
    ('\u{39A}', "GREEK CAPITAL LETTER KAPPA", 'K'),
    ('\u{39C}', "GREEK CAPITAL LETTER MU", 'M'),
    ('\u{39D}', "GREEK CAPITAL LETTER NU", 'N'),
    ('\u{39F}', "GREEK CAPITAL LETTER OMICRON", 'O'),
    ('\u{3A1}', "GREEK CAPITAL LETTER RHO", 'P'),
    ('\u{3A4}', "GREEK CAPITAL LETTER TAU", 'T'),
    ('\u{3A5}', "GREEK CAPITAL LETTER UPSILON", 'Y'),
    ('\u{3A7}', "GREEK CAPITAL LETTER CHI", 'X'),
    ('\u{3B1}', "GREEK SMALL LETTER ALPHA", 'a'),
    ('\u{3B9}', "GREEK SMALL LETTER IOTA", 'i'),
    ('\u{3BA}', "GREEK SMALL LETTER KAPPA", 'k'),
    ('\u{3BD}', "GREEK SMALL LETTER NU", 'v'),
    ('\u{3BF}', "GREEK SMALL LETTER OMICRON", 'o'),
    ('\u{3C1}', "GREEK SMALL LETTER RHO", 'p'),
    ('\u{3C5}', "GREEK SMALL LETTER UPSILON", 'u'),
    ('\u{3C7}', "GREEK SMALL LETTER CHI", 'x'),
    ('\u{405}', "CYRILLIC CAPITAL LETTER DZE", 'S'),
    (
        '\u{406}',
        "CYRILLIC CAPITAL LETTER BYELORUSSIAN-UKRAINIAN I",
        'I',
    ),
    ('\u{408}', "CYRILLIC CAPITAL LETTER JE", 'J'),
    ('\u{410}', "CYRILLIC CAPITAL LETTER A", 'A'),
    ('\u{412}', "CYRILLIC CAPITAL LETTER VE", 'B'),
    ('\u{415}', "CYRILLIC CAPITAL LETTER IE", 'E'),
    ('\u{417}', "CYRILLIC CAPITAL LETTER ZE", '3'),
    ('\u{41A}', "CYRILLIC CAPITAL LETTER KA", 'K'),
    ('\u{41C}', "CYRILLIC CAPITAL LETTER EM", 'M'),
    ('\u{41D}', "CYRILLIC CAPITAL LETTER EN", 'H'),
    ('\u{41E}', "CYRILLIC CAPITAL LETTER O", 'O'),
    ('\u{420}', "CYRILLIC CAPITAL LETTER ER", 'P'),
    ('\u{421}', "CYRILLIC CAPITAL LETTER ES", 'C'),
    ('\u{422}', "CYRILLIC CAPITAL LETTER TE", 'T'),
    ('\u{423}', "CYRILLIC CAPITAL LETTER U", 'Y'),
    ('\u{425}', "CYRILLIC CAPITAL LETTER HA", 'X'),
    ('\u{430}', "CYRILLIC SMALL LETTER A", 'a'),
    ('\u{435}', "CYRILLIC SMALL LETTER IE", 'e'),
    ('\u{43E}', "CYRILLIC SMALL LETTER O", 'o'),
    ('\u{440}', "CYRILLIC SMALL LETTER ER", 'p'),
    ('\u{441}', "CYRILLIC SMALL LETTER ES", 'c'),
    ('\u{443}', "CYRILLIC SMALL LETTER U", 'y'),
    ('\u{445}', "CYRILLIC SMALL LETTER HA", 'x'),
    ('\u{455}', "CYRILLIC SMALL LETTER DZE", 's'),
    (
        '\u{456}',
        "CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I",
        'i',
    ),
    ('\u{458}', "CYRILLIC SMALL LETTER JE", 'j'),
    ('\u{4BB}', "CYRILLIC SMALL LETTER SHHA", 'h'),
    ('\u{4C0}', "CYRILLIC LETTER PALOCHKA", 'I'),
    ('\u{51A}', "CYRILLIC CAPITAL LETTER QA", 'Q'),
    ('\u{51B}', "CYRILLIC SMALL LETTER QA", 'q'),
    ('\u{51C}', "CYRILLIC CAPITAL LETTER WE", 'W'),
    ('\u{51D}', "CYRILLIC SMALL LETTER WE", 'w'),
    ('\u{212A}', "KELVIN SIGN", 'K'),
    ('\u{2160}', "ROMAN NUMERAL ONE", 'I'),
    ('\u{2164}', "ROMAN NUMERAL FIVE", 'V'),
    ('\u{2169}', "ROMAN NUMERAL TEN", 'X'),
    ('\u{216C}', "ROMAN NUMERAL FIFTY", 'L'),
    ('\u{216D}', "ROMAN NUMERAL ONE HUNDRED", 'C'),
    ('\u{216E}', "ROMAN NUMERAL FIVE HUNDRED", 'D'),
    ('\u{216F}', "ROMAN NUMERAL ONE THOUSAND", 'M'),
];

/// Builds the names of fullwidth forms from a prefix and the ASCII
/// characters they stand for, at compile time.
macro_rules! prefixed_names {
    ($prefix:literal; $($suffix:literal)*) => {
        [$(concat!($prefix, $suffix)),*]
    };
}

/// Names of U+FF10 to U+FF19.
const FULLWIDTH_DIGITS: [&str; 10] = prefixed_names!("FULLWIDTH DIGIT ";
    "ZERO" "ONE" "TWO" "THREE" "FOUR" "FIVE" "SIX" "SEVEN" "EIGHT" "NINE");

/// Names of U+FF21 to U+FF3A.
const FULLWIDTH_CAPITALS: [&str; 26] = prefixed_names!("FULLWIDTH LATIN CAPITAL LETTER ";
    "A" "B" "C" "D" "E" "F" "G" "H" "I" "J" "K" "L" "M"
    "N" "O" "P" "Q" "R" "S" "T" "U" "V" "W" "X" "Y" "Z");

/// Names of U+FF41 to U+FF5A.
const FULLWIDTH_SMALLS: [&str; 26] = prefixed_names!("FULLWIDTH LATIN SMALL LETTER ";
    "A" "B" "C" "D" "E" "F" "G" "H" "I" "J" "K" "L" "M"
    "N" "O" "P" "Q" "R" "S" "T" "U" "V" "W" "X" "Y" "Z");

/// Offset between a fullwidth form (U+FF01 to U+FF5E) and the ASCII
/// character it stands for.
const FULLWIDTH_OFFSET: u32 = 0xFEE0;

/// Returns the name of `character` when it is invisible or a space other
/// than the ASCII space, and `None` for every other character.
///
/// NOTE: numbered variation selectors from U+E0100 and the tag characters
/// U+E0020 to U+E007E get a shortened name ("VARIATION SELECTOR", "TAG")
/// without their number or letter, because the messages show the code
/// point beside the name anyway.
pub(crate) fn invisible_name(character: char) -> Option<&'static str> {
    if let Some(name) = table_name(INVISIBLE, character) {
        return Some(name);
    }
    if let Some(name) = table_name(SPACES, character) {
        return Some(name);
    }
    match character {
        '\u{FE00}'..='\u{FE0F}' => {
            let index = character as usize - 0xFE00;
            Some(VARIATION_SELECTORS[index])
        }
        '\u{E0100}'..='\u{E01EF}' => Some("VARIATION SELECTOR"),
        '\u{E0000}'..='\u{E007F}' => Some("TAG"),
        // Controls without a table entry: their name alias is rarely known,
        // so the code point identifies them.
        character if character.is_control() => Some("CONTROL CHARACTER"),
        _ => None,
    }
}

/// Returns `true` for the spaces other than the ASCII space that
/// [`invisible_name`] names.
pub(crate) fn is_space(character: char) -> bool {
    table_name(SPACES, character).is_some()
}

/// Returns `true` for the code point of a space of [`is_space`].
pub(crate) fn is_space_code_point(code_point: u32) -> bool {
    char::from_u32(code_point).is_some_and(is_space)
}

/// Returns the name of `character` and the ASCII letter, digit or
/// underscore that it looks like, or `None` when it looks like none of
/// them (or is ASCII itself).
pub(crate) fn look_alike(character: char) -> Option<(&'static str, char)> {
    if let Ok(index) = LOOK_ALIKES.binary_search_by_key(&character, |entry| entry.0) {
        let (_, name, looks_like) = LOOK_ALIKES[index];
        return Some((name, looks_like));
    }

    // Fullwidth forms: U+FF10 to U+FF5A mirror ASCII 0x30 to 0x7A.
    let code_point = character as u32;
    if !(0xFF10..=0xFF5A).contains(&code_point) {
        return None;
    }
    let ascii = char::from_u32(code_point - FULLWIDTH_OFFSET)?;
    let name = match ascii {
        '0'..='9' => FULLWIDTH_DIGITS[ascii as usize - '0' as usize],
        'A'..='Z' => FULLWIDTH_CAPITALS[ascii as usize - 'A' as usize],
        'a'..='z' => FULLWIDTH_SMALLS[ascii as usize - 'a' as usize],
        '_' => "FULLWIDTH LOW LINE",
        // Fullwidth punctuation looks like ASCII punctuation, which keys
        // cannot contain either, so the general key message explains it.
        _ => return None,
    };
    Some((name, ascii))
}

fn table_name(table: &[(char, &'static str)], character: char) -> Option<&'static str> {
    table
        .binary_search_by_key(&character, |entry| entry.0)
        .ok()
        .map(|index| table[index].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_sorted_for_binary_search() {
        for table in [INVISIBLE, SPACES] {
            assert!(table.windows(2).all(|pair| pair[0].0 < pair[1].0));
        }
        assert!(LOOK_ALIKES.windows(2).all(|pair| pair[0].0 < pair[1].0));
    }

    #[test]
    fn invisible_names_examples() {
        let cases = [
            ('\u{0}', "NULL"),
            ('\u{1}', "CONTROL CHARACTER"),
            ('\u{9F}', "CONTROL CHARACTER"),
            ('\u{200B}', "ZERO WIDTH SPACE"),
            ('\u{A0}', "NO-BREAK SPACE"),
            ('\u{FE0F}', "VARIATION SELECTOR-16"),
            ('\u{E0041}', "TAG"),
            ('\u{E0100}', "VARIATION SELECTOR"),
        ];
        for (character, expected) in cases {
            assert_eq!(invisible_name(character), Some(expected), "{character:?}");
        }
    }

    #[test]
    fn visible_characters_have_no_invisible_name() {
        for character in [' ', 'A', 'é', '日', '😀', '\u{2065}', '\u{301}'] {
            assert_eq!(invisible_name(character), None, "{character:?}");
        }
    }

    #[test]
    fn look_alike_fullwidth_computed() {
        assert_eq!(
            look_alike('\u{FF21}'),
            Some(("FULLWIDTH LATIN CAPITAL LETTER A", 'A'))
        );
        assert_eq!(
            look_alike('\u{FF5A}'),
            Some(("FULLWIDTH LATIN SMALL LETTER Z", 'z'))
        );
        assert_eq!(look_alike('\u{FF19}'), Some(("FULLWIDTH DIGIT NINE", '9')));
        assert_eq!(look_alike('\u{FF3F}'), Some(("FULLWIDTH LOW LINE", '_')));
        assert_eq!(look_alike('\u{FF0D}'), None);
        assert_eq!(look_alike('\u{FF5B}'), None);
    }

    #[test]
    fn look_alike_ascii_and_other_letters_none() {
        for character in ['A', 'a', '_', 'Ä', 'ß', 'Ж', 'λ'] {
            assert_eq!(look_alike(character), None, "{character:?}");
        }
    }
}
