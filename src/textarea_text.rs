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
//!
//! An undo or a redo restores displayed text only, so [`RawHistory`] keeps
//! the recent raw texts for the form to restore the matching one.

use std::collections::VecDeque;

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
    displayed.extend(normalized_chars(raw));
    displayed
}

/// Returns `true` when a textarea whose value is `raw` displays `displayed`.
pub fn displays_as(raw: &str, displayed: &str) -> bool {
    normalized_chars(raw).eq(displayed.chars())
}

/// Returns the characters of `raw` as a textarea displays them, without
/// copying `raw` into a buffer that is not zeroed.
fn normalized_chars(raw: &str) -> impl Iterator<Item = char> + '_ {
    let mut chars = raw.chars().peekable();
    std::iter::from_fn(move || {
        let ch = chars.next()?;
        if ch != '\r' {
            return Some(ch);
        }
        chars.next_if_eq(&'\n');
        Some('\n')
    })
}

/// Applies the owner's change of the displayed text to the raw text, or
/// returns `None` when `displayed` already shows `raw`.
///
/// `caret` is the textarea's `selectionEnd` after the change, in UTF-16 code
/// units of `displayed`. Typing, pasting and deleting leave it at the end of
/// the inserted text, so the text after it is the unchanged end of the old
/// text. That decides which of two equal neighbours changed: Enter before
/// the CRLF of "a\r\nb" inserts an LF before the CRLF, not after it.
///
/// Without a caret, or when the text after it is not the end of the old
/// text, the edit is the span between the longest common prefix and the
/// longest common suffix of the old and new displayed text. Either way only
/// the changed span of the raw text is replaced, so CRs around it stay.
pub fn apply_displayed_edit(raw: &str, displayed: &str, caret: Option<u32>) -> Option<Edit> {
    let old_displayed = normalize_newlines(raw);
    if old_displayed.as_str() == displayed {
        return None;
    }

    // Find the changed span in chars, so that it never splits a character.
    let (prefix_chars, suffix_chars) = caret
        .and_then(|caret| unchanged_around_caret(&old_displayed, displayed, caret))
        .unwrap_or_else(|| unchanged_by_diff(&old_displayed, displayed));
    let old_chars = old_displayed.chars().count();
    let new_chars = displayed.chars().count();

    // Take the inserted text from the new displayed text.
    let inserted_start = byte_offset_of_char(displayed, prefix_chars);
    let inserted_end = byte_offset_of_char(displayed, new_chars - suffix_chars);
    let inserted = &displayed[inserted_start..inserted_end];

    // Replace the changed span of the raw text.
    let start = raw_offset(raw, prefix_chars, |_| 1);
    let end = raw_offset(raw, old_chars - suffix_chars, |_| 1);
    Some(splice(raw, start, end, inserted))
}

/// Returns the lengths in chars of the unchanged start and end of `old` when
/// the text inserted into `old` to make `new` ends at `caret`, a UTF-16
/// offset into `new`. Returns `None` when `caret` is not on a character
/// boundary of `new` or the text after it is not the end of `old`.
fn unchanged_around_caret(old: &str, new: &str, caret: u32) -> Option<(usize, usize)> {
    let caret = byte_offset_of_utf16(new, to_usize(caret))?;
    let suffix = &new[caret..];
    if !old.ends_with(suffix) {
        return None;
    }

    // The unchanged start ends before the caret in the new text and before
    // the unchanged end in the old text.
    let prefix = common_prefix_len(old, new)
        .min(caret)
        .min(old.len() - suffix.len());
    Some((old[..prefix].chars().count(), suffix.chars().count()))
}

/// Returns the lengths in chars of the longest common prefix and the longest
/// common suffix of `old` and `new`.
///
/// The suffix does not overlap the prefix in either text. After typing "a"
/// into "aa", for example, the prefix covers both old characters and the
/// suffix is empty.
fn unchanged_by_diff(old: &str, new: &str) -> (usize, usize) {
    let prefix_chars = old[..common_prefix_len(old, new)].chars().count();
    let old_chars = old.chars().count();
    let new_chars = new.chars().count();
    let suffix_chars = old
        .chars()
        .rev()
        .zip(new.chars().rev())
        .take(old_chars.min(new_chars) - prefix_chars)
        .take_while(|(old, new)| old == new)
        .count();
    (prefix_chars, suffix_chars)
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

/// A change of the displayed text for the browser to make: the UTF-16 span
/// `start..end` is replaced with `text`.
pub struct Replacement {
    /// Start of the replaced span, in UTF-16 code units.
    pub start: u32,
    /// End of the replaced span, in UTF-16 code units.
    pub end: u32,
    /// Displayed text that replaces the span.
    pub text: Zeroizing<String>,
}

impl std::fmt::Debug for Replacement {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Replacement")
            .field("start", &self.start)
            .field("end", &self.end)
            .field("text", &"<redacted>")
            .finish()
    }
}

/// Returns the replacement of the selection of `displayed` that makes it
/// `new_displayed`: the change that a paste makes to the displayed text,
/// once [`replace_selection`] has computed its raw text.
///
/// The text is usually the pasted text with LF line breaks. A CR at an end
/// of the pasted text can join a line break beside the selection into one
/// CRLF, and then the text is one LF shorter. `selection_start` and
/// `selection_end` are UTF-16 offsets, in either order. The span grows past
/// the selection only where the two texts differ outside it.
pub fn displayed_replacement(
    displayed: &str,
    selection_start: u32,
    selection_end: u32,
    new_displayed: &str,
) -> Replacement {
    let (first, last) = if selection_start <= selection_end {
        (selection_start, selection_end)
    } else {
        (selection_end, selection_start)
    };
    let first = raw_offset(displayed, to_usize(first), char::len_utf16);
    let last = raw_offset(displayed, to_usize(last), char::len_utf16);

    // Keep the text that both share before and after the selection. The
    // kept end must not overlap the kept start in either text.
    let prefix = common_prefix_len(displayed, new_displayed).min(first);
    let suffix = common_suffix_len(displayed, new_displayed)
        .min(displayed.len() - last)
        .min(new_displayed.len() - prefix);

    let text = &new_displayed[prefix..new_displayed.len() - suffix];
    Replacement {
        start: displayed_utf16_len(&displayed[..prefix]),
        end: displayed_utf16_len(&displayed[..displayed.len() - suffix]),
        text: Zeroizing::new(text.to_owned()),
    }
}

/// Recent raw texts of the field, oldest first, and which one is current.
///
/// It follows the browser's undo history: an undo moves back to an older
/// text, a redo moves forward, and any other edit drops the texts after the
/// current one, as it drops the browser's redo steps. Every text is zeroed
/// when it is dropped.
pub struct RawHistory {
    states: VecDeque<Zeroizing<String>>,
    current: usize,
}

impl RawHistory {
    /// Maximum number of texts kept, the current one included. The form
    /// records one text per `input` event, and one undo step of the browser
    /// can span many of them, so fewer undo steps than this reach the oldest
    /// text.
    pub const MAX_STATES: usize = 100;

    /// Creates a history whose only text is the empty text of a new field.
    pub fn new() -> Self {
        Self {
            states: VecDeque::from([Zeroizing::new(String::new())]),
            current: 0,
        }
    }

    /// Records `raw` as the current text after an edit that is not an undo
    /// or a redo, dropping the texts after the old current one and the
    /// oldest text beyond [`Self::MAX_STATES`].
    pub fn record(&mut self, raw: &str) {
        self.states.truncate(self.current + 1);
        self.states.push_back(Zeroizing::new(raw.to_owned()));
        if self.states.len() > Self::MAX_STATES {
            self.states.pop_front();
        }
        self.current = self.states.len() - 1;
    }

    /// Makes current the newest text before the current one that displays
    /// as `displayed`, and returns a copy of it.
    pub fn undo(&mut self, displayed: &str) -> Option<Zeroizing<String>> {
        let index = (0..self.current)
            .rev()
            .find(|&index| displays_as(&self.states[index], displayed))?;
        self.current = index;
        Some(self.states[index].clone())
    }

    /// Makes current the oldest text after the current one that displays as
    /// `displayed`, and returns a copy of it.
    pub fn redo(&mut self, displayed: &str) -> Option<Zeroizing<String>> {
        let index = (self.current + 1..self.states.len())
            .find(|&index| displays_as(&self.states[index], displayed))?;
        self.current = index;
        Some(self.states[index].clone())
    }
}

impl Default for RawHistory {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for RawHistory {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("RawHistory")
            .field("states", &self.states.len())
            .field("current", &self.current)
            .finish_non_exhaustive()
    }
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

/// Returns the byte offset in `text` of the UTF-16 offset `offset`, or
/// `None` when `offset` is inside a character or past the end. `text` is
/// displayed text, which contains no CR.
fn byte_offset_of_utf16(text: &str, offset: usize) -> Option<usize> {
    let index = raw_offset(text, offset, char::len_utf16);
    (text[..index].encode_utf16().count() == offset).then_some(index)
}

/// Returns the length in bytes of the longest common prefix of `a` and `b`,
/// which ends on a character boundary of both.
fn common_prefix_len(a: &str, b: &str) -> usize {
    a.char_indices()
        .zip(b.chars())
        .find(|((_, from_a), from_b)| from_a != from_b)
        .map_or(a.len().min(b.len()), |((index, _), _)| index)
}

/// Returns the length in bytes of the longest common suffix of `a` and `b`,
/// which starts on a character boundary of both.
fn common_suffix_len(a: &str, b: &str) -> usize {
    a.char_indices()
        .rev()
        .zip(b.chars().rev())
        .find(|((_, from_a), from_b)| from_a != from_b)
        .map_or(a.len().min(b.len()), |((index, ch), _)| {
            a.len() - index - ch.len_utf8()
        })
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
    fn edited(raw: &str, displayed: &str, caret: Option<u32>) -> Option<(String, u32)> {
        apply_displayed_edit(raw, displayed, caret).map(|edit| (edit.raw.to_string(), edit.caret))
    }

    fn utf16_len(text: &str) -> u32 {
        u32::try_from(text.encode_utf16().count()).expect("short text")
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
        // (raw before, displayed after the edit, raw after, caret). The caret
        // after each edit is also where the textarea leaves it, so every case
        // runs with that caret and without one.
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
            for known_caret in [Some(caret), None] {
                assert_eq!(
                    edited(raw, displayed, known_caret),
                    Some((expected.to_owned(), caret)),
                    "{raw:?} -> {displayed:?}, caret {known_caret:?}"
                );
            }
        }
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn displayed_edit_beside_equal_character() {
        // (raw before, displayed after the edit, caret after it, raw after).
        // The edited line break has a neighbour that displays the same, so
        // a prefix and suffix diff alone would change the wrong raw bytes.
        // Carets count UTF-16 code units, two for each emoji.
        let cases = [
            // Enter with the caret at 1.
            ("a\r\nb", "a\n\nb", 2, "a\n\r\nb"),
            ("A\r\n\nB", "A\n\n\nB", 2, "A\n\r\n\nB"),
            // Backspace with the caret at 2, and Delete with the caret at 1.
            ("A\r\n\nB", "A\nB", 1, "A\nB"),
            ("A\r\n\nB", "A\nB", 1, "A\nB"),
            ("A\n\r\nB", "A\nB", 1, "A\r\nB"),
            // The same edits after characters of two and four bytes.
            ("😀\r\n\n😀", "😀\n\n\n😀", 3, "😀\n\r\n\n😀"),
            ("é\r\n\nü", "é\nü", 1, "é\nü"),
            ("😀\n\r\n😀", "😀\n😀", 2, "😀\r\n😀"),
            // Enter between a CRLF and a lone CR.
            ("x\r\n\rx", "x\n\n\nx", 3, "x\r\n\n\rx"),
        ];
        for (raw, displayed, caret, expected) in cases {
            assert_eq!(
                edited(raw, displayed, Some(caret)),
                Some((expected.to_owned(), caret)),
                "{raw:?} -> {displayed:?} at {caret}"
            );
        }
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn displayed_edit_at_every_caret() {
        // Insert each character at each displayed offset, and delete each
        // displayed character, and compare with splicing the raw text
        // directly at the same places.
        let raws = [
            "a\r\nb",
            "A\r\n\nB",
            "\r\n\r\n",
            "x\r\r\ny\n",
            "😀\r\n\n😀é",
        ];
        for raw in raws {
            let displayed = normalize_newlines(raw);
            let chars = displayed.chars().count();
            let raw_at = |index: usize| raw_offset(raw, index, |_| 1);
            let displayed_at = |index: usize| byte_offset_of_char(&displayed, index);

            for index in 0..=chars {
                for inserted in ["\n", "x", "😀"] {
                    let new_displayed = [
                        &displayed[..displayed_at(index)],
                        inserted,
                        &displayed[displayed_at(index)..],
                    ]
                    .concat();
                    let caret = utf16_len(&displayed[..displayed_at(index)]) + utf16_len(inserted);
                    let expected =
                        [&raw[..raw_at(index)], inserted, &raw[raw_at(index)..]].concat();
                    let edit =
                        apply_displayed_edit(raw, &new_displayed, Some(caret)).expect("an edit");
                    assert_eq!(
                        edit.raw.as_str(),
                        expected,
                        "{raw:?}: {inserted:?} at {index}"
                    );
                }
            }

            for index in 0..chars {
                let new_displayed = [
                    &displayed[..displayed_at(index)],
                    &displayed[displayed_at(index + 1)..],
                ]
                .concat();
                let caret = utf16_len(&displayed[..displayed_at(index)]);
                let expected = [&raw[..raw_at(index)], &raw[raw_at(index + 1)..]].concat();
                let edit = apply_displayed_edit(raw, &new_displayed, Some(caret)).expect("an edit");
                assert_eq!(edit.raw.as_str(), expected, "{raw:?}: delete {index}");
            }
        }
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn displayed_edit_unusable_caret_uses_diff() {
        // (raw before, displayed after the edit, caret, raw after). The
        // caret is past the end, inside an emoji, or followed by text that
        // does not end the old text, so the diff decides.
        let cases = [
            ("a\r\nb", "a\n\nb", 9, "a\r\n\nb"),
            ("😀\r\n\n😀", "😀\n\n\n😀", 1, "😀\r\n\n\n😀"),
            ("a\r\nb", "a\n\nb", 0, "a\r\n\nb"),
            ("a\r\nb", "a\nbc", 1, "a\r\nbc"),
        ];
        for (raw, displayed, caret, expected) in cases {
            let edit = apply_displayed_edit(raw, displayed, Some(caret)).expect("an edit");
            assert_eq!(
                edit.raw.as_str(),
                expected,
                "{raw:?} -> {displayed:?} at {caret}"
            );
            assert_eq!(
                edit.raw.as_str(),
                edited(raw, displayed, None).expect("an edit").0,
                "{raw:?} -> {displayed:?}: differs from the diff"
            );
        }
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn displayed_edit_unchanged_is_none() {
        assert_eq!(edited("a\r\nb\rc", "a\nb\nc", Some(1)), None);
        assert_eq!(edited("", "", None), None);
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn displays_as_cases() {
        assert!(displays_as("a\r\nb\rc", "a\nb\nc"));
        assert!(displays_as("", ""));
        assert!(!displays_as("a\r\nb", "a\n\nb"));
        assert!(!displays_as("ab", "a"));
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn displayed_edit_lf_after_lone_cr_joins() {
        // The owner types a line break after a lone CR. The raw text keeps
        // the bytes as typed, and "\r\n" shows as one line break, so the
        // form must show the normalized raw text again.
        let edit = apply_displayed_edit("a\rb", "a\n\nb", Some(3)).expect("an edit");
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
    fn displayed_replacement_cases() {
        // (displayed, selection start, selection end, new displayed,
        // replaced start, replaced end, replacement text)
        let cases = [
            ("hello", 5, 5, "helloX\nY", 5, 5, "X\nY"),
            // A line break pasted before an equal one stays at the caret.
            ("a\nb", 1, 1, "a\n\nb", 1, 1, "\n"),
            ("ab\ncd", 1, 4, "aQ\nd", 1, 4, "Q\n"),
            ("ab\ncd", 4, 1, "aQ\nd", 1, 4, "Q\n"),
            ("😀\n😀", 3, 3, "😀\n\n😀", 3, 3, "\n"),
            // "\nb\r\nc" pasted after the lone CR of "a\r": that CR and the
            // pasted LF become one CRLF.
            ("a\n", 2, 2, "a\nb\nc", 2, 2, "b\nc"),
            // "X\r" pasted before the LF of "a\nY": the pasted CR and that
            // LF become one CRLF.
            ("a\nY", 1, 1, "aX\nY", 1, 1, "X"),
            // "\r\n" pasted over a displayed LF changes no displayed text.
            ("x\ny", 1, 2, "x\ny", 1, 2, "\n"),
            // Texts that differ outside the selection.
            ("abc", 1, 1, "Zabc", 0, 1, "Za"),
        ];
        for (displayed, start, end, new_displayed, replaced_start, replaced_end, text) in cases {
            let replacement = displayed_replacement(displayed, start, end, new_displayed);
            let label = format!("{displayed:?} [{start}, {end}) -> {new_displayed:?}");
            assert_eq!(replacement.start, replaced_start, "{label}: start");
            assert_eq!(replacement.end, replaced_end, "{label}: end");
            assert_eq!(replacement.text.as_str(), text, "{label}: text");

            let mut units: Vec<u16> = displayed.encode_utf16().collect();
            let span = to_usize(replacement.start)..to_usize(replacement.end);
            units.splice(span, replacement.text.encode_utf16());
            let replaced = String::from_utf16(&units).expect("valid UTF-16");
            assert_eq!(replaced, new_displayed, "{label}: result");
        }
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn raw_history_undo_redo() {
        let mut history = RawHistory::new();
        history.record("hello");
        history.record("helloX\r\nY");

        assert_eq!(
            history.undo("hello").as_deref().map(String::as_str),
            Some("hello")
        );
        assert_eq!(
            history.redo("helloX\nY").as_deref().map(String::as_str),
            Some("helloX\r\nY")
        );
        assert_eq!(history.undo("").as_deref().map(String::as_str), Some(""));
        assert_eq!(history.undo(""), None, "undo before the first text");
        assert_eq!(
            history.redo("hello").as_deref().map(String::as_str),
            Some("hello")
        );
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn raw_history_takes_nearest_match() {
        // A pasted "a\r\nb", cleared, then typed again as "a\nb": both
        // display as "a\nb", and each undo step reaches the nearer one.
        let mut history = RawHistory::new();
        for raw in ["a\r\nb", "", "a", "a\n", "a\nb", "a\nbc"] {
            history.record(raw);
        }

        assert_eq!(
            history.undo("a\nb").as_deref().map(String::as_str),
            Some("a\nb")
        );
        assert_eq!(history.undo("").as_deref().map(String::as_str), Some(""));
        assert_eq!(
            history.undo("a\nb").as_deref().map(String::as_str),
            Some("a\r\nb")
        );
        assert_eq!(history.redo("").as_deref().map(String::as_str), Some(""));
        assert_eq!(
            history.redo("a\nb").as_deref().map(String::as_str),
            Some("a\nb")
        );
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn raw_history_record_drops_redo() {
        let mut history = RawHistory::new();
        history.record("a\r");
        history.record("a\rb");
        assert!(history.undo("a\n").is_some());

        history.record("a\rc");

        assert_eq!(history.redo("a\nb"), None);
        assert_eq!(
            history.undo("a\n").as_deref().map(String::as_str),
            Some("a\r")
        );
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn raw_history_keeps_max_states() {
        let mut history = RawHistory::new();
        for index in 1..=150 {
            history.record(&format!("{index}\r"));
        }

        // The last MAX_STATES texts are "51\r" to "150\r".
        assert_eq!(history.undo("50\n"), None, "oldest text kept");
        assert_eq!(
            history.undo("51\n").as_deref().map(String::as_str),
            Some("51\r")
        );
        assert_eq!(
            history.redo("150\n").as_deref().map(String::as_str),
            Some("150\r")
        );
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn debug_hides_text() {
        let edit = replace_selection("", 0, 0, "canary-value");
        let replacement = displayed_replacement("", 0, 0, "canary-value");
        let mut history = RawHistory::new();
        history.record("canary-value");

        for printed in [
            format!("{edit:?}"),
            format!("{replacement:?}"),
            format!("{history:?}"),
        ] {
            assert!(!printed.contains("canary"), "{printed}");
        }
    }
}
