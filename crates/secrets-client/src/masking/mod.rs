//! Masking: replacing the values of a task's secrets in a command's output.
//!
//! A **pattern** is a byte string that must not reach the output: a value
//! of at least [`MIN_MASKED_BYTES`] bytes, or one of its encoded forms
//! (see [`forms`]). Each occurrence of a pattern is replaced by its
//! **label**, `[masked KEY]`, so the log still shows which secret was
//! printed.
//!
//! [`Masker`] works on a stream that arrives in chunks of any size. It
//! holds back only the end of the output that could still become a
//! pattern, and writes everything else at once, so a command's log lines
//! appear as they are written.

mod forms;
mod masker;

use std::sync::Arc;

use aho_corasick::nfa::contiguous::NFA;
use aho_corasick::MatchKind;
use zeroize::Zeroizing;

pub use masker::Masker;

/// Values shorter than this, in bytes, are not masked: a 1- or 2-byte
/// value (`1`, `on`) also occurs in ordinary output so often that masking
/// it would hide much of the output and reveal the value all the same.
pub const MIN_MASKED_BYTES: usize = 3;

/// Length of the head of a pattern, the part that the automaton searches
/// for. The rest of a longer pattern is compared byte by byte where its
/// head occurs. Without this limit, 50 values of 32 KiB with all their
/// encoded forms made an automaton of about 540 MB, built in 7 seconds
/// (a release build on a 2-core machine).
const HEAD_BYTES: usize = 256;

/// The patterns of one task with their labels, compiled for searching.
/// Built once and shared by the maskers of stdout and stderr.
#[derive(Debug)]
pub struct Patterns {
    /// Leftmost-longest automaton of the distinct heads. It is an NFA
    /// because the masker also walks it anchored, state by state, which
    /// an NFA supports besides unanchored searches.
    automaton: NFA,
    /// For each head of the automaton, the patterns that start with it.
    patterns_by_head: Vec<Vec<usize>>,
    /// The distinct patterns.
    patterns: Vec<Zeroizing<Vec<u8>>>,
    /// The label of each pattern.
    labels: Vec<Vec<u8>>,
    /// Whether some pattern starts with the byte.
    first_bytes: [bool; 256],
}

impl Patterns {
    /// Compiles the patterns of `values`, each a label name and a value.
    /// A value shorter than [`MIN_MASKED_BYTES`] adds no pattern. When two
    /// values share a form, the label of the first one is used.
    pub fn new<'a>(values: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Arc<Self> {
        Self::with_head_bytes(values, HEAD_BYTES)
    }

    /// Compiles the patterns with heads of at most `head_bytes`. Tests use
    /// short heads, so that short values take the path of long ones.
    fn with_head_bytes<'a>(
        values: impl IntoIterator<Item = (&'a str, &'a [u8])>,
        head_bytes: usize,
    ) -> Arc<Self> {
        let mut patterns: Vec<Zeroizing<Vec<u8>>> = Vec::new();
        let mut labels = Vec::new();
        for (name, value) in values {
            if value.len() < MIN_MASKED_BYTES {
                continue;
            }
            for form in forms::encoded_forms(value) {
                if !patterns.contains(&form) {
                    patterns.push(form);
                    labels.push(format!("[masked {name}]").into_bytes());
                }
            }
        }

        // Group the patterns by head. The first pattern of each group
        // provides the head's bytes.
        let head_of = |index: usize| {
            let pattern: &[u8] = &patterns[index];
            &pattern[..pattern.len().min(head_bytes)]
        };
        let mut patterns_by_head: Vec<Vec<usize>> = Vec::new();
        for index in 0..patterns.len() {
            let group = patterns_by_head
                .iter_mut()
                .find(|group| head_of(group[0]) == head_of(index));
            match group {
                Some(group) => group.push(index),
                None => patterns_by_head.push(vec![index]),
            }
        }

        let mut first_bytes = [false; 256];
        for pattern in &patterns {
            first_bytes[usize::from(pattern[0])] = true;
        }

        // NOTE: the automaton keeps its own copy of every head, which is
        // not zeroed when it is dropped.
        let automaton = NFA::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(patterns_by_head.iter().map(|group| head_of(group[0])))
            .expect("the heads fit in the automaton's size limits");
        Arc::new(Self {
            automaton,
            patterns_by_head,
            patterns,
            labels,
            first_bytes,
        })
    }

    /// Returns the number of distinct patterns.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    /// Returns `true` when no value was long enough to be masked.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }
}
