//! One secret in the list: its key, description and origin, and a Delete
//! button.

use leptos::prelude::*;
use secrets_core::api::SecretMetadata;
use secrets_core::{CompanyId, SecretKey};

use crate::api::{Api, ApiError};

/// Abbreviated month names, January first.
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Row of a secret. Delete acts at once, with no confirmation step.
#[component]
pub fn SecretRow(
    /// The secret shown in this row.
    secret: SecretMetadata,
    /// Company that the secret belongs to.
    company: CompanyId,
    /// Client that deletes the secret.
    api: Api,
    /// Called with the key once the server deleted the secret.
    on_deleted: Callback<SecretKey>,
    /// Called with the key when the server reports that the secret was
    /// already gone (status 404).
    on_already_deleted: Callback<SecretKey>,
) -> impl IntoView {
    let SecretMetadata {
        key,
        description,
        created_at,
        created_by,
    } = secret;

    // Derived text.
    let delete_label = format!("Delete {key}");
    let added_date = format_added_date(&created_at);
    let added_by = (!created_by.is_empty()).then(|| format!(" by {created_by}"));
    let description = (!description.is_empty()).then(|| description.to_string());

    // Deleting.
    let delete = Action::new_local(move |key: &SecretKey| {
        let api = api.clone();
        let company = company.clone();
        let key = key.clone();
        async move {
            match api.delete_secret(&company, &key).await {
                Ok(()) => {
                    on_deleted.try_run(key);
                    Ok(())
                }
                Err(ApiError::NotFound) => {
                    on_already_deleted.try_run(key);
                    Ok(())
                }
                Err(error) => Err(error),
            }
        }
    });
    let deleting = delete.pending();
    let delete_error = move || {
        delete
            .value()
            .get()
            .and_then(Result::err)
            .map(|error| error.to_string())
    };

    // Handlers.
    let on_delete_click = {
        let key = key.clone();
        move |_| {
            delete.dispatch_local(key.clone());
        }
    };

    view! {
        <li class="secret-row" data-key=key.to_string()>
            <div class="secret-row-details">
                <code class="secret-row-key">{key.to_string()}</code>
                {description.map(|text| view! { <p class="secret-row-description">{text}</p> })}
                <p class="secret-row-origin">
                    "Added " <time datetime=created_at.clone() title=created_at>{added_date}</time> {added_by}
                </p>
                <p class="secret-row-error" role="alert">{delete_error}</p>
            </div>
            <button
                type="button"
                class="secret-row-delete"
                aria-label=delete_label
                disabled=move || deleting.get()
                aria-busy=move || deleting.get().then_some("true")
                on:click=on_delete_click
            >
                "Delete"
            </button>
        </li>
    }
}

/// Formats the date part of an RFC 3339 timestamp as `Dec 4, 2025`, or
/// returns the timestamp unchanged when it does not start with a date.
///
/// The date is the one in the timestamp's own offset, which the server
/// sends as UTC, so it can differ by a day from the owner's local date.
fn format_added_date(created_at: &str) -> String {
    let parts: Option<(u32, usize, u32)> = (|| {
        let year = created_at.get(0..4)?.parse().ok()?;
        let month: usize = created_at.get(5..7)?.parse().ok()?;
        let day = created_at.get(8..10)?.parse().ok()?;
        Some((year, month, day))
    })();
    match parts {
        Some((year, month @ 1..=12, day @ 1..=31)) => {
            format!("{} {day}, {year}", MONTHS[month - 1])
        }
        _ => created_at.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn added_date_formats_rfc3339() {
        assert_eq!(format_added_date("2025-12-04T21:22:00Z"), "Dec 4, 2025");
        assert_eq!(
            format_added_date("2024-01-31T00:00:00+00:00"),
            "Jan 31, 2024"
        );
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn added_date_keeps_unknown_text() {
        assert_eq!(format_added_date("yesterday"), "yesterday");
        assert_eq!(
            format_added_date("2025-13-04T00:00:00Z"),
            "2025-13-04T00:00:00Z"
        );
        assert_eq!(format_added_date(""), "");
    }
}
