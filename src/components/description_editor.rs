//! The in-row form that changes the description of one secret.

use leptos::ev::{Event, KeyboardEvent};
use leptos::html;
use leptos::prelude::*;
use secrets_core::api::SecretMetadata;
use secrets_core::{CompanyId, Description, SecretKey};

use crate::api::{Api, ApiError};
use crate::form_messages::{description_length, description_message};

/// Text input that edits a secret's description, with Save and Cancel
/// buttons. Enter saves and Escape cancels. While the request runs, the
/// input is read-only and both buttons are disabled, so a cancel never
/// races a save. After a failure the input keeps the typed text.
#[component]
pub fn DescriptionEditor(
    /// Key of the secret whose description is edited.
    key: SecretKey,
    /// The stored description, which prefills the input.
    description: Description,
    /// Company that the secret belongs to.
    company: CompanyId,
    /// Client that saves the description.
    api: Api,
    /// Called with the metadata that the server stored.
    on_saved: Callback<SecretMetadata>,
    /// Called when the owner cancels. Nothing was sent.
    on_cancel: Callback<()>,
    /// Called with the key when the server reports that the secret no longer
    /// exists (status 404).
    on_not_found: Callback<SecretKey>,
) -> impl IntoView {
    // State.
    let text = RwSignal::new(description.to_string());
    let input: NodeRef<html::Input> = NodeRef::new();

    // Derived values. The element IDs contain the key, which is unique in
    // the list and made of characters that IDs allow.
    let input_label = format!("Description of {key}");
    let count_id = format!("description-editor-count-{key}");
    let message_id = format!("description-editor-message-{key}");
    let described_by = format!("{count_id} {message_id}");
    let validation_error = Memo::new(move |_| text.with(|text| description_message(text)));
    let is_changed = Memo::new(move |_| text.with(|text| text != description.as_str()));
    let count = move || text.with(|text| description_length(text));

    // Saving.
    let save = Action::new_local({
        let key = key.clone();
        move |new_description: &Description| {
            let api = api.clone();
            let company = company.clone();
            let key = key.clone();
            let new_description = new_description.clone();
            async move {
                let result = api
                    .update_description(&company, &key, &new_description)
                    .await;
                match result {
                    Ok(metadata) => {
                        on_saved.try_run(metadata);
                        Ok(())
                    }
                    Err(ApiError::NotFound) => {
                        on_not_found.try_run(key);
                        Err(ApiError::NotFound)
                    }
                    Err(error) => Err(error),
                }
            }
        }
    });
    let saving = save.pending();
    let save_error = move || {
        save.value()
            .get()
            .and_then(Result::err)
            .map(|error| update_error_message(&key, &error))
    };
    let can_save = Memo::new(move |_| {
        validation_error.with(Option::is_none) && is_changed.get() && !saving.get()
    });

    // Handlers. Typing hides the error of the last failed save, because that
    // error described the text as it was then.
    let submit = move || {
        if !can_save.get_untracked() {
            return;
        }
        if let Ok(new_description) = text.with_untracked(|text| Description::parse(text)) {
            save.dispatch_local(new_description);
        }
    };
    let cancel = move || {
        if !saving.get_untracked() {
            on_cancel.run(());
        }
    };
    let on_input = move |event: Event| {
        if save
            .value()
            .with_untracked(|result| matches!(result, Some(Err(_))))
        {
            save.value().set(None);
        }
        text.set(event_target_value(&event));
    };
    let on_keydown = move |event: KeyboardEvent| {
        // Enter that confirms an input method's composition is not a save.
        if event.is_composing() {
            return;
        }
        match event.key().as_str() {
            "Enter" => {
                event.prevent_default();
                submit();
            }
            "Escape" => {
                event.prevent_default();
                event.stop_propagation();
                cancel();
            }
            _ => {}
        }
    };

    // Effects: the input takes the focus when the editor opens.
    input.on_load(|input| {
        _ = input.focus();
    });

    view! {
        <div class="description-editor">
            <input
                type="text"
                class="description-editor-input"
                node_ref=input
                aria-label=input_label
                aria-describedby=described_by
                aria-invalid=move || validation_error.with(Option::is_some).then_some("true")
                autocomplete="off"
                prop:value=move || text.get()
                readonly=move || saving.get()
                on:input=on_input
                on:keydown=on_keydown
            />
            <p id=count_id class="description-editor-count">{count}</p>
            <p id=message_id class="description-editor-message" aria-live="polite">
                {move || validation_error.get()}
            </p>
            <p class="description-editor-error" role="alert">{save_error}</p>
            <div class="description-editor-actions">
                <button
                    type="button"
                    class="description-editor-save"
                    disabled=move || !can_save.get()
                    aria-busy=move || saving.get().then_some("true")
                    on:click=move |_| submit()
                >
                    "Save"
                </button>
                <button
                    type="button"
                    class="description-editor-cancel"
                    disabled=move || saving.get()
                    on:click=move |_| cancel()
                >
                    "Cancel"
                </button>
            </div>
        </div>
    }
}

/// Returns the message shown when saving the description of `key` failed.
/// A 404 means that the secret itself is gone.
fn update_error_message(key: &SecretKey, error: &ApiError) -> String {
    match error {
        ApiError::NotFound => format!("{key} no longer exists, so its description was not saved."),
        error => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use secrets_core::api::{ErrorBody, ErrorCode};

    use super::*;

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn update_error_message_cases() {
        let key = SecretKey::parse("API_KEY").expect("valid key");
        assert_eq!(
            update_error_message(&key, &ApiError::NotFound),
            "API_KEY no longer exists, so its description was not saved."
        );
        let rate_limited = ApiError::Rejected(ErrorBody::new(
            ErrorCode::RateLimited,
            "Too many changes. Try again in 30 seconds.",
        ));
        assert_eq!(
            update_error_message(&key, &rate_limited),
            "Too many changes. Try again in 30 seconds."
        );
    }
}
