//! The value field's text as typed, kept apart from what its `<textarea>`
//! shows.
//!
//! A browser normalizes the value of a textarea: the `value` property turns
//! every CRLF pair and every lone CR into LF. A value must be saved byte for
//! byte, so the form keeps the **raw text** (which may contain CR) in a
//! signal and treats the textarea as a lossy view of it, the **displayed
//! text**. The functions here map the owner's edits of the displayed text
//! back onto the raw text, so that every CR outside an edit survives.
//!
//! Offsets into the displayed text come in two units: `char`s, for the diff
//! of two strings, and UTF-16 code units, which `selectionStart` and
//! `selectionEnd` use. A CRLF pair in the raw text is one displayed
//! character.

use zeroize::Zeroizing;

/// Raw text after an edit, with the place where the caret belongs.
pub struct Edit {
    /// The raw text after the edit.
    pub raw: Zeroizing<String>,
    /// Caret position after the inserted text, in UTF-16 code units of the
    /// displayed text, as `setSelectionRange` expects.
    pub caret: u32,
}

impl std::fmt::Debug for Edit {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Edit")
            .field("raw", &"<redacted>")
            .field("caret", &self.caret)
            .finish()
    }
}

/// Returns `raw` as a textarea displays it: CRLF and lone CR become LF.
pub fn normalize_newlines(raw: &str) -> Zeroizing<String> {
    let mut displayed = Zeroizing::new(String::with_capacity(raw.len()));
    let mut chars = raw.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch == '\r' {
            if chars.peek() == Some(&'\n') {
                chars.next();
            }
            displayed.push('\n');
        } else {
            displayed.push(ch);
        }
    }
    displayed
}

/// Applies the owner's change of the displayed text to the raw text, or
/// returns `None` when `displayed` already shows `raw`.
///
/// The edit is the span between the longest common prefix and the longest
/// common suffix of the old and new displayed text. Only that span of the
/// raw text is replaced, so CRs before and after it stay.
pub fn apply_displayed_edit(raw: &str, displayed: &str) -> Option<Edit> {
    let old_displayed = normalize_newlines(raw);
    if old_displayed.as_str() == displayed {
        return None;
    }

    // Find the changed span in chars, so that it never splits a character.
    // The suffix must not overlap the prefix in either text. After typing
    // "a" into "aa", for example, the prefix covers both old characters and
    // the suffix is empty.
    let prefix_chars = old_displayed
        .chars()
        .zip(displayed.chars())
        .take_while(|(old, new)| old == new)
        .count();
    let old_chars = old_displayed.chars().count();
    let new_chars = displayed.chars().count();
    let suffix_chars = old_displayed
        .chars()
        .rev()
        .zip(displayed.chars().rev())
        .take(old_chars.min(new_chars) - prefix_chars)
        .take_while(|(old, new)| old == new)
        .count();

    // Take the inserted text from the new displayed text.
    let inserted_start = byte_offset_of_char(displayed, prefix_chars);
    let inserted_end = byte_offset_of_char(displayed, new_chars - suffix_chars);
    let inserted = &displayed[inserted_start..inserted_end];

    // Replace the changed span of the raw text.
    let start = raw_offset(raw, prefix_chars, |_| 1);
    let end = raw_offset(raw, old_chars - suffix_chars, |_| 1);
    Some(splice(raw, start, end, inserted))
}

/// Replaces the raw text behind a selection of the displayed text with
/// `inserted`, which keeps its CRs. `selection_start` and `selection_end`
/// are UTF-16 offsets into the displayed text, as the textarea reports them.
pub fn replace_selection(
    raw: &str,
    selection_start: u32,
    selection_end: u32,
    inserted: &str,
) -> Edit {
    let (first, last) = if selection_start <= selection_end {
        (selection_start, selection_end)
    } else {
        (selection_end, selection_start)
    };
    let start = raw_offset(raw, to_usize(first), char::len_utf16);
    let end = raw_offset(raw, to_usize(last), char::len_utf16);
    splice(raw, start, end, inserted)
}

/// Replaces `raw[start..end]` with `inserted`. Both offsets are byte offsets
/// on character boundaries that do not split a CRLF pair.
fn splice(raw: &str, start: usize, end: usize, inserted: &str) -> Edit {
    let mut edited = Zeroizing::new(String::with_capacity(
        raw.len() - (end - start) + inserted.len(),
    ));
    edited.push_str(&raw[..start]);
    edited.push_str(inserted);
    edited.push_str(&raw[end..]);

    // A CR at the end of the inserted text, or just before it, can join an
    // LF after it into one CRLF, so count the caret on the edited text.
    let caret = displayed_utf16_len(&edited[..start + inserted.len()]);
    Edit { raw: edited, caret }
}

/// Returns the byte offset in `raw` where the displayed text reaches
/// `offset` units, as counted by `units`. A CRLF pair counts as one LF.
///
/// An offset inside a character (half of a surrogate pair) rounds down to
/// the start of that character; an offset past the end returns `raw.len()`.
fn raw_offset(raw: &str, offset: usize, units: impl Fn(char) -> usize) -> usize {
    let mut counted = 0;
    let mut chars = raw.char_indices().peekable();
    while let Some((index, ch)) = chars.next() {
        let width = units(ch);
        if counted + width > offset {
            return index;
        }
        counted += width;
        if ch == '\r' && chars.peek().map(|&(_, next)| next) == Some('\n') {
            chars.next();
        }
    }
    raw.len()
}

/// Returns the byte offset of the character at `index` in `text`, or
/// `text.len()` when `index` is the number of characters.
fn byte_offset_of_char(text: &str, index: usize) -> usize {
    text.char_indices()
        .nth(index)
        .map_or(text.len(), |(offset, _)| offset)
}

/// Returns the length of `raw` as displayed, in UTF-16 code units, without
/// copying it.
fn displayed_utf16_len(raw: &str) -> u32 {
    let units = raw.encode_utf16().count() - raw.matches("\r\n").count();
    u32::try_from(units).unwrap_or(u32::MAX)
}

fn to_usize(offset: u32) -> usize {
    usize::try_from(offset).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applies `displayed` to `raw` and returns the new raw text and caret.
    fn edited(raw: &str, displayed: &str) -> Option<(String, u32)> {
        apply_displayed_edit(raw, displayed).map(|edit| (edit.raw.to_string(), edit.caret))
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn normalize_newlines_cases() {
        let cases = [
            ("", ""),
            ("plain", "plain"),
            ("a\r\nb\rc\n", "a\nb\nc\n"),
            ("\r\r\n\n\r", "\n\n\n\n"),
            ("é\r\n😀", "é\n😀"),
        ];
        for (raw, expected) in cases {
            assert_eq!(normalize_newlines(raw).as_str(), expected, "{raw:?}");
        }
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn displayed_edit_keeps_crs() {
        // (raw before, displayed after the edit, raw after, caret)
        let cases = [
            ("a\r\nb", "xa\nb", "xa\r\nb", 1),
            ("a\r\nb", "a\nxb", "a\r\nxb", 3),
            ("a\r\nb", "a\nbc", "a\r\nbc", 4),
            ("a\r\nb", "ax\nb", "ax\r\nb", 2),
            ("a\r\nb", "a\n\nb", "a\r\n\nb", 3),
            ("a\r\nb", "ab", "ab", 1),
            ("a\rb", "ab", "ab", 1),
            ("a\r\nb\r\nc", "a\nc", "a\r\nc", 2),
            ("ab\r\ncd", "aXd", "aXd", 2),
            ("ab\r\ncd\r\n", "", "", 0),
            ("\r\naa", "\naaa", "\r\naaa", 4),
            ("é\r\nü", "é\nxü", "é\r\nxü", 3),
            ("😀\r\n😀", "😀\n😀!", "😀\r\n😀!", 6),
            ("😀\r\n😀", "😀\n", "😀\r\n", 3),
            ("", "typed", "typed", 5),
        ];
        for (raw, displayed, expected, caret) in cases {
            assert_eq!(
                edited(raw, displayed),
                Some((expected.to_owned(), caret)),
                "{raw:?} -> {displayed:?}"
            );
        }
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn displayed_edit_unchanged_is_none() {
        assert_eq!(edited("a\r\nb\rc", "a\nb\nc"), None);
        assert_eq!(edited("", ""), None);
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn displayed_edit_lf_after_lone_cr_joins() {
        // The owner types a line break after a lone CR. The raw text keeps
        // the bytes as typed, and "\r\n" shows as one line break, so the
        // form must show the normalized raw text again.
        let edit = apply_displayed_edit("a\rb", "a\n\nb").expect("an edit");
        assert_eq!(edit.raw.as_str(), "a\r\nb");
        assert_eq!(edit.caret, 2);
        assert_eq!(normalize_newlines(&edit.raw).as_str(), "a\nb");
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn replace_selection_cases() {
        // (raw before, selection start, selection end, inserted, raw after, caret)
        let cases = [
            ("", 0, 0, "a\r\nb\r\n", "a\r\nb\r\n", 4),
            ("x\r\ny", 3, 3, "\r\nz", "x\r\ny\r\nz", 5),
            ("x\r\ny", 2, 2, "\r", "x\r\n\ry", 3),
            ("ab\r\ncd", 1, 4, "Q\r\n", "aQ\r\nd", 3),
            ("ab\r\ncd", 4, 1, "Q\r\n", "aQ\r\nd", 3),
            ("😀\r\n😀", 3, 3, "\r", "😀\r\n\r😀", 4),
            ("😀\r\n😀", 0, 5, "\r\n", "\r\n", 1),
            ("😀x", 1, 1, "\r\n", "\r\n😀x", 1),
            ("ab", 9, 9, "\r", "ab\r", 3),
            ("a\r", 2, 2, "\nb", "a\r\nb", 3),
        ];
        for (raw, start, end, inserted, expected, caret) in cases {
            let edit = replace_selection(raw, start, end, inserted);
            assert_eq!(
                (edit.raw.as_str(), edit.caret),
                (expected, caret),
                "{raw:?} [{start}, {end}) <- {inserted:?}"
            );
        }
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn edit_debug_hides_text() {
        let edit = replace_selection("", 0, 0, "canary-value");
        let printed = format!("{edit:?}");
        assert!(!printed.contains("canary"), "{printed}");
    }
}
