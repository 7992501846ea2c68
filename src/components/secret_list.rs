//! The list of a company's secrets, or its empty state.

use leptos::html;
use leptos::prelude::*;
use secrets_core::api::SecretMetadata;
use secrets_core::{CompanyId, SecretKey};
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use crate::api::Api;
use crate::components::key_field::KEY_INPUT_ID;
use crate::components::SecretRow;

/// List of secrets, one row per key, or a hint when there is none yet.
///
/// When a row leaves after a delete while it had the keyboard focus, the
/// focus moves to the Delete button of the row that takes its place, else
/// of the row above, else to the key input of the form. After a saved
/// description, the focus moves to the row's Edit description button.
#[component]
pub fn SecretList(
    /// Secrets to show, sorted as they should appear.
    #[prop(into)]
    secrets: Signal<Vec<SecretMetadata>>,
    /// Company that the secrets belong to.
    company: CompanyId,
    /// Client that the rows use to change and delete secrets.
    api: Api,
    /// Called with the metadata that the server stored after a description
    /// update.
    on_updated: Callback<SecretMetadata>,
    /// Called with the key when a description update finds that the secret
    /// no longer exists.
    on_not_found: Callback<SecretKey>,
    /// Called with the key once the server deleted a secret.
    on_deleted: Callback<SecretKey>,
    /// Called with the key when a secret was already gone on delete.
    on_already_deleted: Callback<SecretKey>,
) -> impl IntoView {
    let list: NodeRef<html::Ul> = NodeRef::new();

    let is_empty = move || secrets.with(Vec::is_empty);

    // Callbacks from the rows. The focus target is chosen while the deleted
    // row is still in the list, and focused once the DOM lost the row.
    let remove_row = move |key: SecretKey, on_removed: Callback<SecretKey>| {
        let had_focus = row_has_focus(list, &key);
        let target = secrets.with_untracked(|secrets| focus_target_after_removal(secrets, &key));
        on_removed.run(key);
        if had_focus {
            request_animation_frame(move || focus_after_removal(list, target.as_ref()));
        }
    };
    let on_row_deleted = Callback::new(move |key| remove_row(key, on_deleted));
    let on_row_already_deleted = Callback::new(move |key| remove_row(key, on_already_deleted));
    let on_row_updated = Callback::new(move |metadata: SecretMetadata| {
        let key = metadata.key.clone();
        let had_focus = row_has_focus(list, &key);
        on_updated.run(metadata);
        if had_focus {
            request_animation_frame(move || focus_edit_button(list, &key));
        }
    });

    let row = move |secret: SecretMetadata| {
        view! {
            <SecretRow
                secret
                company=company.clone()
                api=api.clone()
                on_updated=on_row_updated
                on_not_found
                on_deleted=on_row_deleted
                on_already_deleted=on_row_already_deleted
            />
        }
    };

    view! {
        <Show
            when=move || !is_empty()
            fallback=|| {
                view! {
                    <p class="secrets-empty">
                        "No secrets yet. "
                        <span class="secrets-empty-hint">
                            "Add the first one with the form below; agents receive it from the next task on."
                        </span>
                    </p>
                }
            }
        >
            // A row shows the data it was created with, so the key includes
            // the description: a saved description replaces the row.
            <ul class="secret-list" node_ref=list>
                <For
                    each=move || secrets.get()
                    key=|secret| (secret.key.clone(), secret.description.clone())
                    children=row.clone()
                />
            </ul>
        </Show>
    }
}

/// Returns the key of the row whose Delete button takes the focus after the
/// row with `removed` leaves `secrets`: the next row, else the previous one.
/// `None` means that no row is left, or that `removed` is not in the list.
fn focus_target_after_removal(
    secrets: &[SecretMetadata],
    removed: &SecretKey,
) -> Option<SecretKey> {
    let index = secrets.iter().position(|secret| &secret.key == removed)?;
    let neighbour = secrets.get(index + 1).or_else(|| {
        index
            .checked_sub(1)
            .and_then(|previous| secrets.get(previous))
    })?;
    Some(neighbour.key.clone())
}

/// Returns `true` when the keyboard focus is inside the row of `key`, or
/// nowhere. Under the HTML focus fixup rule, a focused Delete or Save button
/// that becomes disabled while its request runs may lose the focus to `<body>`,
/// so focus on `<body>` counts as the row's.
fn row_has_focus(list: NodeRef<html::Ul>, key: &SecretKey) -> bool {
    let focused = document()
        .active_element()
        .filter(|element| Some(element) != document().body().map(Into::into).as_ref());
    let Some(focused) = focused else {
        return true;
    };
    row_element(list, key).is_some_and(|row| row.contains(Some(&focused)))
}

/// Focuses the Delete button of the row of `target`, or the key input when
/// there is no such row.
fn focus_after_removal(list: NodeRef<html::Ul>, target: Option<&SecretKey>) {
    let button = target
        .and_then(|key| row_element(list, key))
        .and_then(|row| row.query_selector(".secret-row-delete").ok().flatten());
    let element = button.or_else(|| document().get_element_by_id(KEY_INPUT_ID));
    if let Some(element) = element.and_then(|element| element.dyn_into::<HtmlElement>().ok()) {
        _ = element.focus();
    }
}

/// Focuses the Edit description button of the row of `key`, if the list
/// shows that row.
fn focus_edit_button(list: NodeRef<html::Ul>, key: &SecretKey) {
    let button = row_element(list, key)
        .and_then(|row| row.query_selector(".secret-row-edit").ok().flatten())
        .and_then(|button| button.dyn_into::<HtmlElement>().ok());
    if let Some(button) = button {
        _ = button.focus();
    }
}

/// Returns the `<li>` of the row of `key`, if the list shows it.
fn row_element(list: NodeRef<html::Ul>, key: &SecretKey) -> Option<web_sys::Element> {
    // Keys contain only A-Z, 0-9 and `_`, so the selector needs no escaping.
    list.get_untracked()?
        .query_selector(&format!("li[data-key=\"{key}\"]"))
        .ok()
        .flatten()
}

#[cfg(test)]
mod tests {
    use secrets_core::Description;

    use super::*;

    fn metadata(key: &str) -> SecretMetadata {
        SecretMetadata {
            key: SecretKey::parse(key).expect("valid key"),
            description: Description::default(),
            created_at: "2025-12-04T21:22:00Z".to_owned(),
            created_by: "Ada".to_owned(),
            last_used_at: None,
        }
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn focus_target_cases() {
        let secrets = [metadata("A_KEY"), metadata("B_KEY"), metadata("C_KEY")];
        // (removed key, expected target)
        let cases = [
            ("A_KEY", Some("B_KEY")),
            ("B_KEY", Some("C_KEY")),
            ("C_KEY", Some("B_KEY")),
            ("D_KEY", None),
        ];
        for (removed, expected) in cases {
            let removed = SecretKey::parse(removed).expect("valid key");
            let target = focus_target_after_removal(&secrets, &removed);
            assert_eq!(
                target.as_ref().map(SecretKey::as_str),
                expected,
                "{removed}"
            );
        }
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn focus_target_last_row_is_none() {
        let secrets = [metadata("ONLY_KEY")];
        let removed = SecretKey::parse("ONLY_KEY").expect("valid key");
        assert_eq!(focus_target_after_removal(&secrets, &removed), None);
    }
}
