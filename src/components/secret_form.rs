//! The form that adds a secret: key, value and description, checked as the
//! owner types with the shared rules.

use leptos::ev::{Event, KeyboardEvent, SubmitEvent};
use leptos::html;
use leptos::prelude::*;
use secrets_core::api::SecretMetadata;
use secrets_core::{
    is_vague_key, limit_reached_message, validate_value, CompanyId, Description, SecretKey,
    SecretValue, VAGUE_KEY_HINT,
};
use wasm_bindgen::JsCast;
use zeroize::{Zeroize, Zeroizing};

use crate::api::{Api, ApiError, UnsealedSecret};
use crate::components::{KeyField, ValueField};
use crate::form_messages::{description_length, description_message, key_message, value_message};
use crate::pending::Pending;
use crate::textarea_text::RawHistory;

/// Form that adds a secret to a company. After a successful save every field
/// is cleared; after a failure the fields keep what the owner typed and the
/// form shows the error, with a Try again button when the request did not
/// reach the server or the server failed. At the company's limit every
/// field is disabled.
#[component]
pub fn SecretForm(
    /// Company that new secrets belong to.
    company: CompanyId,
    /// Client that saves the secret.
    api: Api,
    /// Keys of the loaded list, so that a duplicate is reported while typing.
    #[prop(into)]
    existing_keys: Signal<Vec<SecretKey>>,
    /// `true` when the company has reached its secret limit.
    #[prop(into)]
    at_limit: Signal<bool>,
    /// Called with the metadata that the server stored for a new secret.
    on_saved: Callback<SecretMetadata>,
    /// Called when the server rejects a save because of secrets that the
    /// loaded list may not show: a duplicate key or the company's limit.
    on_conflict: Callback<()>,
) -> impl IntoView {
    // Field state. The value is the raw text as typed or pasted, which may
    // contain CRs that the textarea does not show. It sits in a buffer that
    // is zeroed whenever it is replaced or dropped.
    let key = RwSignal::new(String::new());
    let value = RwSignal::new(Zeroizing::new(String::new()));
    let description = RwSignal::new(String::new());
    let key_touched = RwSignal::new(false);
    let value_touched = RwSignal::new(false);
    let key_input: NodeRef<html::Input> = NodeRef::new();
    let value_input: NodeRef<html::Textarea> = NodeRef::new();
    // Counts confirmed saves. Each one mounts a new value field, because the
    // browser's undo history of the old textarea still contains the value.
    let value_field_generation = RwSignal::new(0_u32);
    // Raw texts of the value for undo and redo, replaced with each new
    // value field.
    let value_history = StoredValue::new(RawHistory::new());

    // Derived messages.
    let is_duplicate = Memo::new(move |_| {
        key.with(|key| {
            existing_keys.with(|keys| keys.iter().any(|existing| existing.as_str() == key))
        })
    });
    let key_error = Memo::new(move |_| {
        let touched = key_touched.get();
        key.with(|key| key_message(key, touched, is_duplicate.get()))
    });
    let value_error = Memo::new(move |_| {
        let touched = value_touched.get();
        value.with(|value| value_message(value, touched))
    });
    let description_error = Memo::new(move |_| description.with(|text| description_message(text)));
    let description_count = move || description.with(|text| description_length(text));
    let shows_vague_key_hint = move || {
        description.with(|text| text.trim().is_empty())
            && key.with(|key| SecretKey::parse_new(key).is_ok_and(|key| is_vague_key(&key)))
    };

    // Saving.
    let save = Action::new_local(move |pending: &Pending<UnsealedSecret>| {
        let secret = pending.take();
        let api = api.clone();
        let company = company.clone();
        async move {
            let Some(secret) = secret else {
                return Err(ApiError::InvalidRequest);
            };
            let result = api.create_secret(&company, &secret).await;
            drop(secret);
            let metadata = match result {
                Ok(metadata) => metadata,
                Err(error) => {
                    if error.is_list_out_of_date() {
                        on_conflict.try_run(());
                    }
                    return Err(error);
                }
            };

            // The server confirmed the secret: clear every field, zeroing the
            // strings, and hand the metadata to the list.
            key.try_update(|key| key.zeroize());
            value.try_update(|value| value.zeroize());
            description.try_update(|description| description.zeroize());
            key_touched.try_set(false);
            value_touched.try_set(false);
            value_field_generation.try_update(|generation| *generation += 1);
            value_history.try_update_value(|history| *history = RawHistory::new());
            on_saved.try_run(metadata);
            Ok(())
        }
    });
    let saving = save.pending();
    let failure = move || save.value().get().and_then(Result::err);
    let form_error = move || failure().map(|error| error.to_string());
    let can_retry = move || failure().is_some_and(|error| error.is_retryable());
    let can_save = Memo::new(move |_| {
        let key_is_valid = key.with(|key| SecretKey::parse_new(key).is_ok()) && !is_duplicate.get();
        let value_is_valid = value.with(|value| validate_value(value).is_ok());
        key_is_valid
            && value_is_valid
            && description_error.with(Option::is_none)
            && !at_limit.get()
            && !saving.get()
    });

    // Handlers. Every change of a field hides the error of the last failed
    // save, because that error described the fields as they were then.
    let clear_form_error = move || {
        if save
            .value()
            .with_untracked(|result| matches!(result, Some(Err(_))))
        {
            save.value().set(None);
        }
    };
    let on_field_edit = Callback::new(move |()| clear_form_error());
    let on_value_pasted = Callback::new(move |pasted: Zeroizing<String>| {
        value_history.update_value(|history| history.record(&pasted));
        value.set(pasted);
    });
    let on_description_input = move |event: Event| {
        clear_form_error();
        description.set(event_target_value(&event));
    };
    let submit = move || {
        // A submit counts as touching every field, so that the "Enter a …"
        // messages explain why nothing was saved.
        key_touched.set(true);
        value_touched.set(true);
        if !can_save.get_untracked() {
            focus_first_invalid(key_error, value_error, key_input, value_input);
            return;
        }

        // Validate a copy of the value as a `SecretValue`, which checks its
        // size on the plaintext, and keep the field as typed in case the
        // save fails. The copy moves into the secret without another copy.
        let parsed = (
            key.with_untracked(|key| SecretKey::parse_new(key)),
            value.with_untracked(|value| {
                SecretValue::new(Zeroizing::new(value.as_str().to_owned()))
            }),
            description.with_untracked(|description| Description::parse(description)),
        );
        // `can_save` checked every field with the same rules, so all three
        // parse.
        let (Ok(secret_key), Ok(secret_value), Ok(secret_description)) = parsed else {
            return;
        };
        save.dispatch_local(Pending::new(UnsealedSecret {
            key: secret_key,
            value: secret_value,
            description: secret_description,
        }));
    };
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        submit();
    };
    let on_retry = move |_| submit();
    // Browsers skip the implicit submission of Enter while the form's
    // submit button is disabled, so without this an Enter in the key or
    // description field would show none of the messages that explain why.
    let on_keydown = move |event: KeyboardEvent| {
        let in_input = event
            .target()
            .is_some_and(|target| target.is_instance_of::<web_sys::HtmlInputElement>());
        if event.key() == "Enter" && in_input && !event.is_composing() {
            event.prevent_default();
            submit();
        }
    };

    view! {
        // Only `on_submit` saves. A native submission still happens when a
        // script calls `submit()` or, in Firefox, dispatches a `submit`
        // event that cannot be canceled. The fields have no `name`, so such
        // a submission carries none of them. With `method="dialog"` it never
        // navigates, because the HTML standard makes it do nothing outside a
        // `<dialog>` and only close the dialog inside one.
        <form
            class="secret-form"
            method="dialog"
            on:submit=on_submit
            on:keydown=on_keydown
            aria-labelledby="secret-form-title"
        >
            <h3 id="secret-form-title" class="secret-form-title">"Add a secret"</h3>
            <fieldset class="secret-form-fields" disabled=move || at_limit.get()>
            <KeyField
                key
                touched=key_touched
                error=key_error
                read_only=saving
                node_ref=key_input
                on_edit=on_field_edit
                on_value_pasted
            />
            // Keyed by generation, so that a confirmed save replaces the
            // textarea instead of updating it in place.
            <For
                each=move || [value_field_generation.get()]
                key=|generation| *generation
                children=move |_| {
                    view! {
                        <ValueField
                            value
                            touched=value_touched
                            error=value_error
                            read_only=saving
                            node_ref=value_input
                            on_edit=on_field_edit
                            value_history
                        />
                    }
                }
            />
            <div class="secret-field">
                <label for="secret-description">"Description"</label>
                <input
                    id="secret-description"
                    type="text"
                    placeholder="For transactional e-mails to customers"
                    autocomplete="off"
                    aria-describedby="secret-description-count secret-description-message secret-description-vague"
                    aria-invalid=move || description_error.with(Option::is_some).then_some("true")
                    prop:value=move || description.get()
                    readonly=move || saving.get()
                    on:input=on_description_input
                />
                <p id="secret-description-count" class="secret-field-hint">
                    "Optional. " {description_count}
                </p>
                <p id="secret-description-message" class="secret-field-message" aria-live="polite">
                    {move || description_error.get()}
                </p>
                <p id="secret-description-vague" class="secret-field-hint" aria-live="polite">
                    {move || shows_vague_key_hint().then_some(VAGUE_KEY_HINT)}
                </p>
            </div>
            </fieldset>
            <Show when=move || at_limit.get()>
                <p class="secret-form-limit">{limit_reached_message()} " Delete a secret to add another."</p>
            </Show>
            <div class="secret-form-error-area">
                <p id="secret-form-error" class="secret-form-error" role="alert">
                    {form_error}
                </p>
                <Show when=can_retry>
                    <button type="button" class="secret-form-retry" on:click=on_retry>
                        "Try again"
                    </button>
                </Show>
            </div>
            <button
                type="submit"
                class="secret-save"
                disabled=move || !can_save.get()
                aria-busy=move || saving.get().then_some("true")
            >
                "Save Secret"
            </button>
        </form>
    }
}

/// Moves the focus to the first field that has a message, so that a
/// keyboard or screen reader user lands on what to fix.
fn focus_first_invalid(
    key_error: Memo<Option<String>>,
    value_error: Memo<Option<String>>,
    key_input: NodeRef<html::Input>,
    value_input: NodeRef<html::Textarea>,
) {
    if key_error.with_untracked(Option::is_some) {
        if let Some(input) = key_input.get_untracked() {
            _ = input.focus();
        }
    } else if value_error.with_untracked(Option::is_some) {
        if let Some(textarea) = value_input.get_untracked() {
            _ = textarea.focus();
        }
    }
}
