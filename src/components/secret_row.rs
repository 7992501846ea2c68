//! One secret in the list: its key, description, origin and last use, an
//! Edit description button and a Delete button.

use leptos::html;
use leptos::prelude::*;
use secrets_core::api::SecretMetadata;
use secrets_core::{CompanyId, SecretKey};

use crate::api::{Api, ApiError};
use crate::components::DescriptionEditor;

/// Abbreviated month names, January first.
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Row of a secret. Edit description turns the description into an input
/// with Save and Cancel. Delete acts at once, with no confirmation step.
#[component]
pub fn SecretRow(
    /// The secret shown in this row.
    secret: SecretMetadata,
    /// Company that the secret belongs to.
    company: CompanyId,
    /// Client that changes and deletes the secret.
    api: Api,
    /// Called with the metadata that the server stored after a description
    /// update.
    on_updated: Callback<SecretMetadata>,
    /// Called with the key when a description update finds that the secret
    /// no longer exists (status 404).
    on_not_found: Callback<SecretKey>,
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
        last_used_at,
    } = secret;

    // State.
    let editing = RwSignal::new(false);
    let edit_button: NodeRef<html::Button> = NodeRef::new();

    // Derived text.
    let edit_label = format!("Edit description of {key}");
    let delete_label = format!("Delete {key}");
    let added_date = format_date(&created_at);
    let added_by = (!created_by.is_empty()).then(|| format!(" by {created_by}"));
    let last_used = match last_used_at {
        Some(last_used_at) => {
            let date = format_date(&last_used_at);
            view! {
                "Last used "
                <time datetime=last_used_at.clone() title=last_used_at>{date}</time>
            }
            .into_any()
        }
        None => "Never used".into_any(),
    };

    // Deleting. One signal per row, instead of an `Action` with its four
    // signals and a memo, because a list renders up to 50 rows at once.
    let deletion = RwSignal::new(Deletion::default());
    let deleting = move || deletion.with(|deletion| deletion.running);
    let delete_error =
        move || deletion.with(|deletion| deletion.failure.as_ref().map(ToString::to_string));
    let can_retry_delete = move || {
        deletion.with(|deletion| {
            deletion
                .failure
                .as_ref()
                .is_some_and(ApiError::is_retryable)
        })
    };
    let retry_label = format!("Try again to delete {key}");

    // Handlers.
    let on_delete_click = {
        let key = key.clone();
        let api = api.clone();
        let company = company.clone();
        move |_| {
            if deletion.with_untracked(|deletion| deletion.running) {
                return;
            }
            deletion.update(|deletion| deletion.running = true);
            let api = api.clone();
            let company = company.clone();
            let key = key.clone();
            leptos::task::spawn_local(async move {
                let failure = match api.delete_secret(&company, &key).await {
                    Ok(()) => {
                        on_deleted.try_run(key);
                        None
                    }
                    Err(ApiError::NotFound) => {
                        on_already_deleted.try_run(key);
                        None
                    }
                    Err(error) => Some(error),
                };
                // The row is usually gone by now, and then this does nothing.
                deletion.try_set(Deletion {
                    running: false,
                    failure,
                });
            });
        }
    };
    let on_retry_click = on_delete_click.clone();
    let on_edit_click = move |_| editing.set(true);
    // The list moves the focus after a saved description, because a new row
    // replaces this one.
    let on_editor_saved = Callback::new(move |metadata: SecretMetadata| {
        editing.try_set(false);
        on_updated.run(metadata);
    });
    let on_editor_cancel = Callback::new(move |()| {
        editing.set(false);
        // The Edit button comes back with the next render.
        request_animation_frame(move || {
            if let Some(button) = edit_button.get_untracked() {
                _ = button.focus();
            }
        });
    });

    let description_view = {
        let key = key.clone();
        move || {
            if editing.get() {
                view! {
                    <DescriptionEditor
                        key=key.clone()
                        description=description.clone()
                        company=company.clone()
                        api=api.clone()
                        on_saved=on_editor_saved
                        on_cancel=on_editor_cancel
                        on_not_found
                    />
                }
                .into_any()
            } else {
                let text = (!description.is_empty()).then(|| description.to_string());
                text.map(|text| view! { <p class="secret-row-description">{text}</p> })
                    .into_any()
            }
        }
    };
    let edit_button_view = move || {
        (!editing.get()).then(|| {
            view! {
                <button
                    type="button"
                    class="secret-row-edit"
                    node_ref=edit_button
                    aria-label=edit_label.clone()
                    on:click=on_edit_click
                >
                    "Edit description"
                </button>
            }
        })
    };

    view! {
        <li class="secret-row" data-key=key.to_string()>
            <div class="secret-row-details">
                <code class="secret-row-key">{key.to_string()}</code>
                {description_view}
                <p class="secret-row-origin">
                    "Added " <time datetime=created_at.clone() title=created_at>{added_date}</time> {added_by}
                </p>
                <p class="secret-row-last-used">{last_used}</p>
                <p class="secret-row-error" role="alert">{delete_error}</p>
                <Show when=can_retry_delete>
                    <button
                        type="button"
                        class="secret-row-retry"
                        aria-label=retry_label.clone()
                        disabled=deleting
                        on:click=on_retry_click.clone()
                    >
                        "Try again"
                    </button>
                </Show>
            </div>
            <div class="secret-row-actions">
                {edit_button_view}
                <button
                    type="button"
                    class="secret-row-delete"
                    aria-label=delete_label
                    disabled=deleting
                    aria-busy=move || deleting().then_some("true")
                    on:click=on_delete_click
                >
                    "Delete"
                </button>
            </div>
        </li>
    }
}

/// State of a row's delete request. The failure of the last attempt
/// stays while a retry runs, so that the message and the Try again button
/// (disabled meanwhile) keep their place and the focus.
#[derive(Clone, Debug, Default)]
struct Deletion {
    running: bool,
    failure: Option<ApiError>,
}

/// Formats the date part of an RFC 3339 timestamp as `Dec 4, 2025`, or
/// returns the timestamp unchanged when it does not start with a date.
///
/// The date is the one in the timestamp's own offset, which the server
/// sends as UTC, so it can differ by a day from the owner's local date.
fn format_date(timestamp: &str) -> String {
    let parts: Option<(u32, usize, u32)> = (|| {
        let year = timestamp.get(0..4)?.parse().ok()?;
        let month: usize = timestamp.get(5..7)?.parse().ok()?;
        let day = timestamp.get(8..10)?.parse().ok()?;
        Some((year, month, day))
    })();
    match parts {
        Some((year, month @ 1..=12, day @ 1..=31)) => {
            format!("{} {day}, {year}", MONTHS[month - 1])
        }
        _ => timestamp.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn date_formats_rfc3339() {
        assert_eq!(format_date("2025-12-04T21:22:00Z"), "Dec 4, 2025");
        assert_eq!(format_date("2024-01-31T00:00:00+00:00"), "Jan 31, 2024");
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn date_keeps_unknown_text() {
        assert_eq!(format_date("yesterday"), "yesterday");
        assert_eq!(format_date("2025-13-04T00:00:00Z"), "2025-13-04T00:00:00Z");
        assert_eq!(format_date(""), "");
    }
}
