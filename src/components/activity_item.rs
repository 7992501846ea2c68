//! One activity event in the activity list.

use leptos::prelude::*;
use secrets_core::api::{ActivityAction, ActivityEvent};

/// Item of the activity list: who changed which secret, how, and when, for
/// example "owner added STRIPE_API_KEY". The member name and the key are
/// text nodes, never HTML.
#[component]
pub fn ActivityItem(
    /// The event to show.
    event: ActivityEvent,
) -> impl IntoView {
    let ActivityEvent {
        action,
        key,
        member,
        occurred_at,
        ..
    } = event;

    let member = member_name(member);
    let time = format_event_time(&occurred_at);

    view! {
        <li class="activity-event" data-action=action.as_str() data-key=key.to_string()>
            <span class="activity-event-text">
                <span class="activity-event-member">{member}</span>
                " "
                {action_phrase(action)}
                " "
                <code class="activity-event-key">{key.to_string()}</code>
            </span>
            <time class="activity-event-time" datetime=occurred_at.clone() title=occurred_at>
                {time}
            </time>
        </li>
    }
}

/// Returns the verb phrase between the member and the key.
fn action_phrase(action: ActivityAction) -> &'static str {
    match action {
        ActivityAction::Added => "added",
        ActivityAction::Updated => "updated the description of",
        ActivityAction::Removed => "removed",
    }
}

/// Returns the member name to show, or "Someone" when the server sent none.
fn member_name(member: String) -> String {
    if member.trim().is_empty() {
        "Someone".to_owned()
    } else {
        member
    }
}

/// Formats an RFC 3339 timestamp in UTC to the minute, as
/// `2026-12-04 23:16 UTC`. Returns the text unchanged when it is not such a
/// timestamp, including one with another offset, so that no wrong time is
/// labelled UTC.
fn format_event_time(occurred_at: &str) -> String {
    let is_utc = ["Z", "z", "+00:00", "-00:00"]
        .iter()
        .any(|suffix| occurred_at.ends_with(suffix));
    let date = occurred_at
        .get(0..10)
        .filter(|date| has_shape(date, "dddd-dd-dd"));
    let has_separator = matches!(occurred_at.as_bytes().get(10), Some(b'T' | b't' | b' '));
    let time = occurred_at
        .get(11..17)
        .filter(|time| has_shape(time, "dd:dd:"))
        .and_then(|time| time.get(0..5));
    match (is_utc, date, has_separator, time) {
        (true, Some(date), true, Some(time)) => format!("{date} {time} UTC"),
        _ => occurred_at.to_owned(),
    }
}

/// Returns `true` when `text` has the length of `shape` and an ASCII digit
/// wherever `shape` has `d`, and the same byte everywhere else.
fn has_shape(text: &str, shape: &str) -> bool {
    text.len() == shape.len()
        && text.bytes().zip(shape.bytes()).all(|(byte, expected)| {
            if expected == b'd' {
                byte.is_ascii_digit()
            } else {
                byte == expected
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn event_time_formats_utc() {
        // (timestamp, expected text)
        let cases = [
            ("2026-12-04T23:16:05Z", "2026-12-04 23:16 UTC"),
            ("2026-12-04T23:16:05.123456Z", "2026-12-04 23:16 UTC"),
            ("2026-01-31t00:00:59+00:00", "2026-01-31 00:00 UTC"),
            ("2026-01-31 07:09:00z", "2026-01-31 07:09 UTC"),
        ];
        for (timestamp, expected) in cases {
            assert_eq!(format_event_time(timestamp), expected, "{timestamp}");
        }
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn event_time_keeps_other_text() {
        let cases = [
            "2026-12-04T23:16:05+02:00",
            "2026-12-04T23:16Z",
            "2026-12-04",
            "yesterday",
            "",
            "2026-12-0éT23:16:05Z",
        ];
        for timestamp in cases {
            assert_eq!(format_event_time(timestamp), timestamp, "{timestamp}");
        }
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn action_phrase_per_action() {
        assert_eq!(action_phrase(ActivityAction::Added), "added");
        assert_eq!(
            action_phrase(ActivityAction::Updated),
            "updated the description of"
        );
        assert_eq!(action_phrase(ActivityAction::Removed), "removed");
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn member_name_empty_is_someone() {
        assert_eq!(member_name("owner".to_owned()), "owner");
        assert_eq!(member_name(String::new()), "Someone");
        assert_eq!(member_name("  ".to_owned()), "Someone");
    }
}
