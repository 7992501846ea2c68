//! Paging of the activity list: joins the newest page of activity events
//! with the older pages that the owner loaded, with no gap and no event
//! twice.
//!
//! The API returns events newest first. A page fetched with `before = X`
//! contains the events older than the event `X`, and its `next_before` is
//! the `before` of the page after it. So a list that contains every event from
//! the newest one down to its own `next_before` can be extended without a
//! gap by any page fetched with `before >= next_before`.

use std::cmp::Reverse;
use std::collections::HashSet;

use secrets_core::api::ActivityPage;

/// A page of older events and the cursor it was fetched with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OlderPage {
    /// The `before` parameter of the request: the page contains events older
    /// than the event with this ID.
    pub before: i64,
    /// The events of the page and the cursor of the page after it.
    pub page: ActivityPage,
}

/// Appends the events of `older` that `history` lacks, and moves the cursor
/// of `history` to the end of `older`. The caller checks that `older` starts
/// at or above the end of `history`, else the result has a gap.
pub fn extend_history(history: &mut ActivityPage, older: &ActivityPage) {
    let known: HashSet<i64> = history.events.iter().map(|event| event.id).collect();
    let unseen = older
        .events
        .iter()
        .filter(|event| !known.contains(&event.id))
        .cloned();
    history.events.extend(unseen);

    // A page that ends above the end of `history` adds nothing below it, so
    // the lower cursor of the two is the end of the joined list.
    history.next_before = match (history.next_before, older.next_before) {
        (Some(end), Some(older_end)) => Some(end.min(older_end)),
        _ => None,
    };
}

/// Returns the activity to show: `newest`, then the events of the older
/// pages that join it without a gap, newest first. A page that would leave
/// a gap is left out, and so is every page older than it.
pub fn join_pages(newest: &ActivityPage, older: &[OlderPage]) -> ActivityPage {
    let mut history = newest.clone();
    let mut pages: Vec<&OlderPage> = older.iter().collect();
    pages.sort_by_key(|page| Reverse(page.before));
    for page in pages {
        // `None` means that `history` already reaches the first event.
        let Some(end) = history.next_before else {
            break;
        };
        if page.before < end {
            break;
        }
        extend_history(&mut history, &page.page);
    }
    history
}

/// Returns the cursor that a reloaded newest page must reach for the older
/// pages to join it: the largest `before` among them, or `None` when no
/// older page is loaded.
pub fn join_target(older: &[OlderPage]) -> Option<i64> {
    older.iter().map(|page| page.before).max()
}

#[cfg(test)]
mod tests {
    use secrets_core::api::{ActivityAction, ActivityEvent};
    use secrets_core::SecretKey;

    use super::*;

    fn event(id: i64) -> ActivityEvent {
        ActivityEvent {
            id,
            action: ActivityAction::Added,
            key: SecretKey::parse("API_KEY").expect("valid key"),
            member: "owner".to_owned(),
            occurred_at: "2026-12-04T23:16:05Z".to_owned(),
        }
    }

    /// Returns a page of the events `ids`, newest first, whose cursor is its
    /// last event, or `None` when `is_last` is true because no older event
    /// exists.
    fn page(ids: &[i64], is_last: bool) -> ActivityPage {
        ActivityPage {
            events: ids.iter().copied().map(event).collect(),
            next_before: if is_last { None } else { ids.last().copied() },
        }
    }

    fn ids(page: &ActivityPage) -> Vec<i64> {
        page.events.iter().map(|event| event.id).collect()
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn join_pages_appends_in_order() {
        let newest = page(&[9, 8, 7], false);
        let older = [
            OlderPage {
                before: 4,
                page: page(&[3, 2], true),
            },
            OlderPage {
                before: 7,
                page: page(&[6, 5, 4], false),
            },
        ];

        let joined = join_pages(&newest, &older);

        assert_eq!(ids(&joined), [9, 8, 7, 6, 5, 4, 3, 2]);
        assert_eq!(joined.next_before, None);
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn join_pages_skips_duplicates() {
        // The newest page was reloaded after two new events, so it overlaps
        // the first older page.
        let newest = page(&[11, 10, 9, 8, 7, 6, 5], false);
        let older = [OlderPage {
            before: 7,
            page: page(&[6, 5, 4], false),
        }];

        let joined = join_pages(&newest, &older);

        assert_eq!(ids(&joined), [11, 10, 9, 8, 7, 6, 5, 4]);
        assert_eq!(joined.next_before, Some(4));
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn join_pages_leaves_out_gap() {
        // Event 7 is on neither page, so the older page must not be shown.
        let newest = page(&[10, 9, 8], false);
        let older = [OlderPage {
            before: 7,
            page: page(&[6, 5], false),
        }];

        let joined = join_pages(&newest, &older);

        assert_eq!(ids(&joined), [10, 9, 8]);
        assert_eq!(joined.next_before, Some(8));
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn join_pages_complete_newest_ignores_older() {
        // The newest page reports that no older event exists, so an older page
        // loaded earlier adds nothing, even an event that it alone has.
        let newest = page(&[3, 2, 1], true);
        let older = [OlderPage {
            before: 3,
            page: page(&[2, 1, 0], false),
        }];

        let joined = join_pages(&newest, &older);

        assert_eq!(ids(&joined), [3, 2, 1]);
        assert_eq!(joined.next_before, None);
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn extend_history_keeps_lower_cursor() {
        let mut history = page(&[9, 8, 7, 6], false);
        // A page that ends above the history's end adds no event.
        extend_history(&mut history, &page(&[8, 7], false));
        assert_eq!(ids(&history), [9, 8, 7, 6]);
        assert_eq!(history.next_before, Some(6));
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn join_target_is_largest_before() {
        assert_eq!(join_target(&[]), None);
        let older = [
            OlderPage {
                before: 4,
                page: page(&[3], false),
            },
            OlderPage {
                before: 9,
                page: page(&[8, 7], false),
            },
        ];
        assert_eq!(join_target(&older), Some(9));
    }
}
