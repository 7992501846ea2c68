//! The streaming masker of one output stream.
//!
//! Matching follows leftmost-longest semantics over the whole stream: at
//! the leftmost position where a pattern starts, the longest pattern wins,
//! and the search goes on after it. The result equals one search over the
//! concatenated output, however the stream is split into chunks.
//!
//! A match is replaced only when it is final: no pattern that could still
//! complete starts at or before it. Such a pattern in progress is the
//! reason to hold bytes back, and the masker holds back exactly the
//! longest end of the output that is a proper prefix of some pattern.
//!
//! The automaton contains only the head of each pattern (see
//! [`Patterns`]). It finds where heads occur, and the masker compares the
//! whole patterns there.

use std::sync::Arc;

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::{Anchored, Input};
use zeroize::{Zeroize, Zeroizing};

use super::Patterns;

/// Masks the patterns in one stream of output, chunk by chunk.
#[derive(Debug)]
pub struct Masker {
    patterns: Arc<Patterns>,
    /// Output received but not written yet. Between calls, it is empty or
    /// starts with a pattern in progress. It is zeroed when it is dropped,
    /// and grows only through [`Masker::append_pending`].
    pending: Zeroizing<Vec<u8>>,
}

/// Patterns that start at one position of the output, complete or still
/// possible.
#[derive(Debug, Default)]
struct Progress {
    /// The longest pattern that starts there: its index and length.
    longest: Option<(usize, usize)>,
    /// Whether a longer pattern than `longest` could still match there
    /// once more output arrives.
    in_progress: bool,
}

impl Masker {
    /// Creates a masker for a stream that has not started.
    pub fn new(patterns: Arc<Patterns>) -> Self {
        Self {
            patterns,
            pending: Zeroizing::new(Vec::new()),
        }
    }

    /// Masks `chunk`, the next part of the stream, and appends to `output`
    /// every byte that no later chunk can change.
    pub fn write(&mut self, chunk: &[u8], output: &mut Vec<u8>) {
        let was_holding = !self.pending.is_empty();
        self.append_pending(chunk);

        // While the held pattern is still in progress, nothing can be
        // written. This check costs no search of the held bytes, so a value
        // that a command writes byte by byte stays cheap.
        if was_holding && self.progress_at(0).in_progress {
            return;
        }
        self.mask_pending(output, false);
    }

    /// Appends the rest of the stream to `output` at its end, with every
    /// pattern in it masked.
    pub fn finish(&mut self, output: &mut Vec<u8>) {
        self.mask_pending(output, true);
    }

    /// Zeroes and drops the held bytes, for a stream that is cut off before
    /// its end. They could be the start of a value or of an encoded form.
    pub fn discard(&mut self) {
        self.pending.zeroize();
    }

    /// Appends `chunk` to `pending`. A `Vec` that grows in place frees its
    /// old buffer without zeroing it, so a larger buffer is allocated here
    /// instead, and the old one is zeroed as it is dropped.
    fn append_pending(&mut self, chunk: &[u8]) {
        let length = self.pending.len() + chunk.len();
        if length > self.pending.capacity() {
            let capacity = length.max(2 * self.pending.capacity());
            let mut larger = Zeroizing::new(Vec::with_capacity(capacity));
            larger.extend_from_slice(&self.pending);
            self.pending = larger;
        }
        self.pending.extend_from_slice(chunk);
    }

    /// Returns the number of bytes held back, for tests.
    #[cfg(test)]
    fn held(&self) -> usize {
        self.pending.len()
    }

    /// Writes the final part of `pending` to `output` and keeps the rest.
    /// At the end of the stream (`at_end`), every byte is final.
    fn mask_pending(&mut self, output: &mut Vec<u8>, at_end: bool) {
        // `pending[..written]` is in `output` already, and no pattern
        // starts between `written` and `search_from`.
        let mut written = 0;
        let mut search_from = 0;
        loop {
            let head = self.find_head(search_from);

            // A pattern can only be in progress before the next head when
            // its own head is not complete yet, near the end of `pending`.
            let before_head = head.unwrap_or(self.pending.len());
            let held_from = match at_end {
                true => None,
                false => self.earliest_in_progress(search_from, before_head),
            };
            if let Some(start) = held_from {
                return self.hold_from(start, written, output);
            }
            let Some(start) = head else {
                output.extend_from_slice(&self.pending[written..]);
                self.pending.clear();
                return;
            };

            let progress = self.progress_at(start);
            if progress.in_progress && !at_end {
                return self.hold_from(start, written, output);
            }
            match progress.longest {
                Some((pattern, length)) => {
                    output.extend_from_slice(&self.pending[written..start]);
                    output.extend_from_slice(&self.patterns.labels[pattern]);
                    written = start + length;
                    search_from = written;
                }
                // The head occurs but no whole pattern does.
                None => search_from = start + 1,
            }
        }
    }

    /// Writes `pending[written..start]` to `output` and keeps the bytes
    /// from `start` on.
    fn hold_from(&mut self, start: usize, written: usize, output: &mut Vec<u8>) {
        output.extend_from_slice(&self.pending[written..start]);
        self.pending.drain(..start);
    }

    /// Returns the leftmost position from `search_from` on where a head
    /// occurs.
    fn find_head(&self, search_from: usize) -> Option<usize> {
        let input = Input::new(&self.pending).range(search_from..);
        let found = self
            .patterns
            .automaton
            .try_find(&input)
            .expect("an NFA supports unanchored searches");
        found.map(|found| found.start())
    }

    /// Returns the earliest position in `search_from..before` where a
    /// pattern is in progress.
    fn earliest_in_progress(&self, search_from: usize, before: usize) -> Option<usize> {
        // A head in progress is shorter than the longest head.
        let longest_head = self.patterns.automaton.max_pattern_len();
        let first = search_from.max((self.pending.len() + 1).saturating_sub(longest_head));
        (first..before)
            .filter(|&start| self.patterns.first_bytes[usize::from(self.pending[start])])
            .find(|&start| self.progress_at(start).in_progress)
    }

    /// Returns which patterns start at `start` in `pending`.
    fn progress_at(&self, start: usize) -> Progress {
        let automaton = &self.patterns.automaton;
        let bytes = &self.pending[start..];
        let mut progress = Progress::default();

        // Walk the heads, anchored at `start`, and compare the whole
        // patterns of each head that ends on the way.
        let mut state = automaton
            .start_state(Anchored::Yes)
            .expect("an NFA supports anchored searches");
        for &byte in bytes {
            state = automaton.next_state(Anchored::Yes, state, byte);
            if automaton.is_dead(state) {
                return progress;
            }
            if !automaton.is_match(state) {
                continue;
            }
            for index in 0..automaton.match_len(state) {
                let head = automaton.match_pattern(state, index).as_usize();
                for &pattern in &self.patterns.patterns_by_head[head] {
                    self.compare(pattern, bytes, &mut progress);
                }
            }
        }

        // All of `bytes` is a prefix of some head. A longer head may follow.
        progress.in_progress |= self.can_grow(state);
        progress
    }

    /// Records in `progress` whether `bytes` starts with the pattern, or
    /// could still grow into it.
    ///
    /// NOTE: every occurrence of a head costs a comparison as long as the
    /// pattern, so output that repeats a long value's head without the
    /// value takes quadratic time. A 32 KiB value of one repeated byte
    /// against 900 KB of runs of that byte took 1.2 s (release build).
    fn compare(&self, pattern: usize, bytes: &[u8], progress: &mut Progress) {
        let text: &[u8] = &self.patterns.patterns[pattern];
        if bytes.len() < text.len() {
            progress.in_progress |= text.starts_with(bytes);
        } else if bytes.starts_with(text) {
            let longer = progress
                .longest
                .is_none_or(|(_, length)| length < text.len());
            if longer {
                progress.longest = Some((pattern, text.len()));
            }
        }
    }

    /// Returns `true` when some byte leads from `state` to a live state.
    fn can_grow(&self, state: StateID) -> bool {
        let automaton = &self.patterns.automaton;
        (0..=u8::MAX)
            .any(|byte| !automaton.is_dead(automaton.next_state(Anchored::Yes, state, byte)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use base64::Engine as _;
    use rand::rngs::StdRng;
    use rand::{Rng, RngCore, SeedableRng};

    /// Head lengths that the tests try: 1 and 4 make most patterns long
    /// ones, whose rest the masker compares outside the automaton.
    const HEAD_LENGTHS: [usize; 3] = [1, 4, super::super::HEAD_BYTES];

    fn patterns(values: &[(&str, &str)]) -> Arc<Patterns> {
        Patterns::new(values.iter().map(|(name, value)| (*name, value.as_bytes())))
    }

    fn patterns_with_heads(values: &[(&str, &str)], head_bytes: usize) -> Arc<Patterns> {
        let values = values.iter().map(|(name, value)| (*name, value.as_bytes()));
        Patterns::with_head_bytes(values, head_bytes)
    }

    /// Masks `chunks` as one stream and returns the whole output.
    fn mask_chunks(patterns: &Arc<Patterns>, chunks: &[&[u8]]) -> Vec<u8> {
        let mut masker = Masker::new(Arc::clone(patterns));
        let mut output = Vec::new();
        for chunk in chunks {
            masker.write(chunk, &mut output);
        }
        masker.finish(&mut output);
        output
    }

    fn mask(patterns: &Arc<Patterns>, text: &[u8]) -> Vec<u8> {
        mask_chunks(patterns, &[text])
    }

    /// Replaces the whole patterns in the whole text at once, leftmost-longest,
    /// with the `aho-corasick` crate: the output that the masker must match.
    fn replaced_at_once(patterns: &Patterns, text: &[u8]) -> Vec<u8> {
        let whole = aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .build(patterns.patterns.iter().map(|pattern| pattern.as_slice()))
            .expect("automaton");
        whole.replace_all_bytes(text, &patterns.labels)
    }

    fn random_splits(rng: &mut StdRng, text: &[u8]) -> Vec<usize> {
        let mut splits: Vec<usize> = (0..rng.gen_range(0..8))
            .map(|_| rng.gen_range(0..=text.len()))
            .collect();
        splits.sort_unstable();
        splits
    }

    fn split_at_positions<'a>(text: &'a [u8], splits: &[usize]) -> Vec<&'a [u8]> {
        let mut chunks = Vec::new();
        let mut start = 0;
        for &split in splits {
            chunks.push(&text[start..split]);
            start = split;
        }
        chunks.push(&text[start..]);
        chunks
    }

    #[test]
    fn masker_replaces_value_with_label() {
        let patterns = patterns(&[("API_KEY", "sk_live_123")]);
        assert_eq!(
            mask(&patterns, b"key=sk_live_123 twice sk_live_123\n"),
            b"key=[masked API_KEY] twice [masked API_KEY]\n"
        );
    }

    #[test]
    fn masker_value_split_at_every_position() {
        let value = "-----BEGIN KEY-----\nMIIB\u{e9}\n-----END KEY-----\n";
        let text = format!("before {value} after");
        for head_bytes in HEAD_LENGTHS {
            let patterns = patterns_with_heads(&[("PEM", value)], head_bytes);
            for split in 0..=text.len() {
                let (first, second) = text.as_bytes().split_at(split);
                assert_eq!(
                    mask_chunks(&patterns, &[first, second]),
                    b"before [masked PEM] after",
                    "head of {head_bytes} bytes, split at {split}"
                );
            }
        }
    }

    #[test]
    fn masker_value_written_byte_by_byte() {
        let patterns = patterns(&[("TOKEN", "abcdef")]);
        let text = b"x abcdef y abcdeX";
        let chunks: Vec<&[u8]> = text.chunks(1).collect();
        assert_eq!(
            mask_chunks(&patterns, &chunks),
            b"x [masked TOKEN] y abcdeX"
        );
    }

    #[test]
    fn masker_encoded_forms_are_masked() {
        let value = "p@ss word/é+~";
        let patterns = patterns(&[("PASSWORD", value)]);
        let standard = STANDARD.encode(value);
        let url_safe = URL_SAFE_NO_PAD.encode(value);
        let basic = STANDARD.encode(format!("admin:{value}"));
        for printed in [
            value.to_owned(),
            standard.clone(),
            url_safe.clone(),
            "p%40ss%20word%2F%C3%A9%2B~".to_owned(),
            "p%40ss+word%2f%c3%a9%2b~".to_owned(),
        ] {
            let output = mask(&patterns, format!("<{printed}>").as_bytes());
            assert_eq!(output, b"<[masked PASSWORD]>", "{printed}");
        }
        let output = mask(
            &patterns,
            format!("Authorization: Basic {basic}").as_bytes(),
        );
        let output = String::from_utf8(output).expect("UTF-8");
        assert!(output.contains("[masked PASSWORD]"), "{output}");
        assert!(!output.contains(&basic), "{output}");
    }

    #[test]
    fn masker_longest_of_overlapping_values_wins() {
        let cases: [(&[u8], &[u8]); 4] = [
            (b"abcdef", b"[masked LONG]"),
            (b"abcdeX", b"[masked SHORT]deX"),
            (b"abcabcdef", b"[masked SHORT][masked LONG]"),
            (b"ab", b"ab"),
        ];
        for head_bytes in HEAD_LENGTHS {
            let patterns = patterns_with_heads(&[("SHORT", "abc"), ("LONG", "abcdef")], head_bytes);
            for (text, expected) in cases {
                for split in 0..=text.len() {
                    let (first, second) = text.split_at(split);
                    assert_eq!(
                        mask_chunks(&patterns, &[first, second]),
                        expected,
                        "head of {head_bytes} bytes, {:?} split at {split}",
                        String::from_utf8_lossy(text)
                    );
                }
            }
        }
    }

    #[test]
    fn masker_earlier_start_wins() {
        // "cd" alone is too short to mask, so use "cde" inside "abcdefgh".
        let patterns = patterns(&[("INNER", "cde"), ("OUTER", "abcdefgh")]);
        let chunks: [&[u8]; 2] = [b"abcde", b"fgh!"];
        assert_eq!(mask_chunks(&patterns, &chunks), b"[masked OUTER]!");
        let chunks: [&[u8]; 2] = [b"abcde", b"fgX!"];
        assert_eq!(mask_chunks(&patterns, &chunks), b"ab[masked INNER]fgX!");
    }

    #[test]
    fn masker_short_values_are_not_masked() {
        let patterns = patterns(&[("FLAG", "on"), ("ONE", "1"), ("PIN", "123")]);
        // "123" and its base64 "MTIz", which every base64 variant shares.
        assert_eq!(patterns.len(), 2);
        assert_eq!(mask(&patterns, b"on 1 123"), b"on 1 [masked PIN]");
    }

    #[test]
    fn masker_limit_counts_bytes_not_characters() {
        let patterns = patterns(&[("TWO", "é"), ("THREE", "€"), ("FOUR", "😀")]);
        assert_eq!(
            String::from_utf8(mask(&patterns, "é € 😀".as_bytes())).expect("UTF-8"),
            "é [masked THREE] [masked FOUR]"
        );
    }

    #[test]
    fn masker_holds_only_pattern_prefix() {
        let patterns = patterns(&[("TOKEN", "secret-value")]);
        let mut masker = Masker::new(patterns);
        let mut output = Vec::new();

        masker.write(b"line one\nsecret-v", &mut output);
        assert_eq!(output, b"line one\n");
        assert_eq!(masker.held(), "secret-v".len());

        masker.write(b"isible\n", &mut output);
        assert_eq!(output, b"line one\nsecret-visible\n");
        assert_eq!(masker.held(), 0);

        masker.write(b"no match here", &mut output);
        assert_eq!(output, b"line one\nsecret-visible\nno match here");
        assert_eq!(masker.held(), 0);

        masker.write(b" sss", &mut output);
        assert_eq!(masker.held(), 1);
        masker.finish(&mut output);
        assert_eq!(output, b"line one\nsecret-visible\nno match here sss");
    }

    #[test]
    fn masker_discard_drops_held_bytes() {
        let patterns = patterns(&[("TOKEN", "secret-value")]);
        let mut masker = Masker::new(patterns);
        let mut output = Vec::new();
        masker.write(b"line one\nsecret-valu", &mut output);
        assert_eq!(masker.held(), "secret-valu".len());

        masker.discard();
        assert_eq!(masker.held(), 0);
        masker.finish(&mut output);
        assert_eq!(output, b"line one\n");
    }

    #[test]
    fn masker_holds_across_growing_buffer() {
        // The held bytes outgrow their buffer several times, and each time
        // move to a larger allocation.
        let value = "v".repeat(5_000);
        let patterns = patterns(&[("LONG", value.as_str())]);
        let mut masker = Masker::new(patterns);
        let mut output = Vec::new();
        let text = format!("<{value}>");
        for chunk in text.as_bytes().chunks(7) {
            masker.write(chunk, &mut output);
        }
        masker.finish(&mut output);
        assert_eq!(output, b"<[masked LONG]>");
    }

    #[test]
    fn masker_holds_match_before_longer() {
        let patterns = patterns(&[("SHORT", "abc"), ("LONG", "abcdef")]);
        let mut masker = Masker::new(patterns);
        let mut output = Vec::new();
        masker.write(b"x abc", &mut output);
        assert_eq!(output, b"x ");
        masker.write(b"\n", &mut output);
        assert_eq!(output, b"x [masked SHORT]\n");
    }

    #[test]
    fn masker_writes_final_match_at_once() {
        let patterns = patterns(&[("TOKEN", "abcdef")]);
        let mut masker = Masker::new(patterns);
        let mut output = Vec::new();
        masker.write(b"token abcdef", &mut output);
        assert_eq!(output, b"token [masked TOKEN]");
        assert_eq!(masker.held(), 0);
    }

    #[test]
    fn masker_passes_every_byte_value_unchanged() {
        let patterns = patterns(&[("KEY", "not-in-the-output"), ("OTHER", "zzz")]);
        let all_bytes: Vec<u8> = (0..=u8::MAX).cycle().take(256 * 4).collect();
        assert_eq!(mask(&patterns, &all_bytes), all_bytes);
        let chunks: Vec<&[u8]> = all_bytes.chunks(7).collect();
        assert_eq!(mask_chunks(&patterns, &chunks), all_bytes);
    }

    #[test]
    fn masker_passes_random_bytes_unchanged() {
        let patterns = patterns(&[
            ("KEY", "a value that random bytes do not contain"),
            ("PEM", "-----BEGIN PRIVATE KEY-----\n"),
        ]);
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..20 {
            let mut bytes = vec![0u8; rng.gen_range(0..100_000)];
            rng.fill_bytes(&mut bytes);
            let splits = random_splits(&mut rng, &bytes);
            let chunks = split_at_positions(&bytes, &splits);
            assert_eq!(mask_chunks(&patterns, &chunks), bytes);
        }
    }

    #[test]
    fn masker_passes_long_line_unchanged() {
        let patterns = patterns(&[("KEY", "xyz-secret")]);
        let line: Vec<u8> = b"0123456789abcdef"
            .iter()
            .copied()
            .cycle()
            .take(1 << 20)
            .chain([b'\n'])
            .collect();
        assert_eq!(mask(&patterns, &line), line);
        let chunks: Vec<&[u8]> = line.chunks(65_536).collect();
        assert_eq!(mask_chunks(&patterns, &chunks), line);
    }

    #[test]
    fn masker_passes_invalid_utf8_unchanged() {
        let patterns = patterns(&[("KEY", "héllo")]);
        // The first two bytes of "é" without the value around them.
        let text = b"h\xc3 \xc3\xa9\xff\xfeh\xc3\xa9ll";
        assert_eq!(mask(&patterns, text), text);
    }

    #[test]
    fn masker_chunked_equals_one_shot() {
        let values = [
            ("A", "abc"),
            ("B", "abcabd"),
            ("C", "bcab"),
            ("D", "aaaa"),
            ("E", "dab"),
        ];
        let alphabet = b"abcd\n";
        let mut rng = StdRng::seed_from_u64(42);
        for round in 0..3_000 {
            let patterns = patterns_with_heads(&values, HEAD_LENGTHS[round % HEAD_LENGTHS.len()]);
            // Mostly letters of the values, so that matches, overlaps and
            // near misses are frequent, with whole values mixed in.
            let mut text = Vec::new();
            while text.len() < rng.gen_range(0..60) {
                if rng.gen_bool(0.2) {
                    let (_, value) = values[rng.gen_range(0..values.len())];
                    text.extend_from_slice(value.as_bytes());
                } else {
                    text.push(alphabet[rng.gen_range(0..alphabet.len())]);
                }
            }
            let expected = replaced_at_once(&patterns, &text);
            assert_eq!(mask(&patterns, &text), expected, "round {round}");
            let splits = random_splits(&mut rng, &text);
            let chunks = split_at_positions(&text, &splits);
            assert_eq!(
                mask_chunks(&patterns, &chunks),
                expected,
                "round {round}: {:?} split at {splits:?}",
                String::from_utf8_lossy(&text)
            );
        }
    }

    #[test]
    fn masker_chunked_equals_one_shot_for_encoded_forms() {
        let values = [
            ("PEM", "-----BEGIN KEY-----\nMIIB/+==\n"),
            ("PASS", "p@ss w/rd"),
        ];
        let mut rng = StdRng::seed_from_u64(9);
        for round in 0..500 {
            let patterns = patterns_with_heads(&values, HEAD_LENGTHS[round % HEAD_LENGTHS.len()]);
            let mut text = Vec::new();
            for _ in 0..rng.gen_range(0..6) {
                let (_, value) = values[rng.gen_range(0..values.len())];
                let printed = match rng.gen_range(0..4) {
                    0 => value.to_owned(),
                    1 => STANDARD.encode(value),
                    2 => URL_SAFE_NO_PAD.encode(value),
                    _ => value[..rng.gen_range(0..value.len())].to_owned(),
                };
                text.extend_from_slice(printed.as_bytes());
                text.push(b' ');
            }
            let expected = replaced_at_once(&patterns, &text);
            let splits = random_splits(&mut rng, &text);
            let chunks = split_at_positions(&text, &splits);
            assert_eq!(mask_chunks(&patterns, &chunks), expected, "round {round}");
        }
    }

    #[test]
    fn masker_without_patterns_passes_everything() {
        let patterns = patterns(&[]);
        assert!(patterns.is_empty());
        let mut masker = Masker::new(patterns);
        let mut output = Vec::new();
        masker.write(b"anything", &mut output);
        assert_eq!(output, b"anything");
    }
}
