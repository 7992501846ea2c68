//! The key field: an input that uppercases letters as they are typed and
//! splits a pasted `KEY=value` line into the key and the value.

use leptos::attr::custom::custom_attribute;
use leptos::ev::{ClipboardEvent, Event};
use leptos::html;
use leptos::prelude::*;
use secrets_core::{split_assignment, uppercase_ascii_letters};
use web_sys::HtmlInputElement;
use zeroize::Zeroizing;

/// `id` of the key input, which the list focuses when a deleted row leaves
/// no other row to focus.
pub(crate) const KEY_INPUT_ID: &str = "secret-key";

/// Note shown after a pasted `KEY=value` line was split.
const SPLIT_NOTE: &str =
    "The pasted text was split at the first = sign: the key is here and the value is in the Value field.";

/// Note shown after a paste of several lines, which the field ignores.
const SEVERAL_LINES_NOTE: &str =
    "The pasted text has several lines, so it was not pasted. To add several secrets from .env text, use Import from .env below.";

/// Input for a secret's key, with its message. Letters are uppercased as
/// they are typed, and every other character is kept, so that the message
/// can name it.
#[component]
pub fn KeyField(
    /// The key as typed, after uppercasing.
    key: RwSignal<String>,
    /// Set when the field loses focus, so that "Enter a key." may show.
    touched: RwSignal<bool>,
    /// Message shown under the field, if any.
    #[prop(into)]
    error: Signal<Option<String>>,
    /// `true` while the form saves.
    #[prop(into)]
    read_only: Signal<bool>,
    /// Reference to the input, so that the form can focus it.
    node_ref: NodeRef<html::Input>,
    /// Called on every change of the key.
    on_edit: Callback<()>,
    /// Called with the value part of a pasted `KEY=value` line, exactly as
    /// pasted. The field takes the key part itself.
    on_value_pasted: Callback<Zeroizing<String>>,
) -> impl IntoView {
    // The note about the last paste, with the key it left. It shows while
    // the key stays so, which hides it after any edit and after a save
    // clears the form.
    let paste_note = RwSignal::new(None::<(String, &'static str)>);
    let shown_note = move || {
        paste_note.with(|note| {
            note.as_ref()
                .filter(|(key_after_paste, _)| key.with(|key| key == key_after_paste))
                .map(|(_, note)| *note)
        })
    };

    let on_input = move |event: Event| {
        on_edit.run(());
        let input: HtmlInputElement = event_target(&event);
        let typed = input.value();
        let uppercased = uppercase_ascii_letters(&typed);
        if uppercased != typed {
            // Writing the value moves the caret to the end, so put it back.
            // Uppercasing keeps the length in UTF-16 units, so the old
            // offsets still point between the same characters.
            let start = input.selection_start().ok().flatten();
            let end = input.selection_end().ok().flatten();
            input.set_value(&uppercased);
            if let (Some(start), Some(end)) = (start, end) {
                // `setSelectionRange` throws only for input types without a
                // selection, and this input has type text.
                _ = input.set_selection_range(start, end);
            }
        }
        key.set(uppercased);
    };
    let on_paste = move |event: ClipboardEvent| {
        // A read-only input still gets `paste` events, but nothing typed
        // may change while the form saves.
        if read_only.get_untracked() {
            return;
        }
        // The pasted text may hold a value, so its copy is zeroed on drop.
        let Some(pasted) = event
            .clipboard_data()
            .and_then(|data| data.get_data("text/plain").ok())
            .map(Zeroizing::new)
        else {
            return;
        };

        // A `KEY=value` line: the key part replaces the key, and the value
        // part goes to the value field byte for byte.
        if let Some((pasted_key, pasted_value)) = split_assignment(&pasted) {
            event.prevent_default();
            on_edit.run(());
            let new_key = uppercase_ascii_letters(pasted_key);
            paste_note.set(Some((new_key.clone(), SPLIT_NOTE)));
            key.set(new_key);
            on_value_pasted.run(Zeroizing::new(pasted_value.to_owned()));
            return;
        }

        // An input would join the lines into one key, and the value parts
        // would become part of it, so nothing is pasted.
        if pasted.trim_end_matches(['\r', '\n']).contains(['\r', '\n']) {
            event.prevent_default();
            paste_note.set(Some((key.get_untracked(), SEVERAL_LINES_NOTE)));
        }
    };

    view! {
        <div class="secret-field">
            <label for=KEY_INPUT_ID>"Key"</label>
            <input
                id=KEY_INPUT_ID
                type="text"
                node_ref=node_ref
                placeholder="STRIPE_API_KEY"
                autocomplete="off"
                spellcheck="false"
                autocapitalize="characters"
                {..custom_attribute("autocorrect", "off")}
                aria-describedby="secret-key-message secret-key-note"
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                prop:value=move || key.get()
                readonly=move || read_only.get()
                on:input=on_input
                on:paste=on_paste
                on:blur=move |_| touched.set(true)
            />
            <p id="secret-key-message" class="secret-field-message" aria-live="polite">
                {move || error.get()}
            </p>
            <p id="secret-key-note" class="secret-field-hint" aria-live="polite">
                {shown_note}
            </p>
        </div>
    }
}
