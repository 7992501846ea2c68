//! The value field: a textarea that shows the value, while the raw text,
//! carriage returns included, lives in a signal.
//!
//! Browsers turn CR LF and lone CR into LF inside a textarea, so the
//! textarea cannot hold a value byte for byte. The raw text is the source of
//! truth, and each change of the textarea is applied to it as an edit.

use leptos::attr::custom::custom_attribute;
use leptos::ev::{ClipboardEvent, Event, KeyboardEvent};
use leptos::html;
use leptos::prelude::*;
use secrets_core::value_warnings;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{HtmlDocument, HtmlTextAreaElement, InputEvent};
use zeroize::Zeroizing;

use crate::textarea_text::{
    apply_displayed_edit, displayed_replacement, displays_as, normalize_newlines,
    replace_selection, Edit, RawHistory, Replacement,
};

/// Textarea for a secret's value, with its hint, message and warnings. It
/// keeps every byte the owner types or pastes, including CRs that it cannot
/// show. Enter inserts a line break, and Ctrl+Enter (Cmd+Enter on macOS)
/// submits the form.
#[component]
pub fn ValueField(
    /// Raw text of the value, in memory that is zeroed when replaced.
    value: RwSignal<Zeroizing<String>>,
    /// Set when the field loses focus, so that "Enter a value." may show.
    touched: RwSignal<bool>,
    /// Message shown under the field, if any.
    #[prop(into)]
    error: Signal<Option<String>>,
    /// `true` while the form saves, so that nothing typed then is lost when
    /// a confirmed save clears the fields.
    #[prop(into)]
    read_only: Signal<bool>,
    /// Reference to the textarea, so that the form can focus it.
    node_ref: NodeRef<html::Textarea>,
    /// Called on every change of the value.
    on_edit: Callback<()>,
    /// Raw texts for undo and redo to restore. The form owns it, so that a
    /// value it sets itself, such as one split from the key field, is
    /// recorded too.
    value_history: StoredValue<RawHistory>,
) -> impl IntoView {
    // The raw text of a paste while the browser inserts its displayed text.
    let pasted_value = StoredValue::new(None::<Zeroizing<String>>);

    // Whitespace at either end and invisible characters, which the owner
    // may not have meant. They never block saving.
    let warnings = Memo::new(move |_| {
        value.with(|value| {
            value_warnings(value)
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        })
    });

    let set_raw_value = move |raw: Zeroizing<String>| {
        value_history.update_value(|history| history.record(&raw));
        value.set(raw);
    };
    let on_value_input = move |event: Event| {
        on_edit.run(());
        let textarea: HtmlTextAreaElement = event_target(&event);
        let displayed = Zeroizing::new(textarea.value());

        // The `input` event of a paste that `on_value_paste` inserted stands
        // for the raw text that the paste computed, CRs included.
        let pasted = pasted_value.try_update_value(Option::take).flatten();
        if let Some(pasted) = pasted.filter(|raw| displays_as(raw, &displayed)) {
            set_raw_value(pasted);
            return;
        }

        // An undo or a redo restores displayed text only, so restore the
        // recent raw text that displays as it.
        // NOTE: An undo or a redo to a text older than the last
        // `RawHistory::MAX_STATES` recorded texts falls back to the edit
        // below, which can drop the CRs of the restored text.
        let restored = match input_type(&event).as_deref() {
            Some("historyUndo") => value_history
                .try_update_value(|history| history.undo(&displayed))
                .flatten(),
            Some("historyRedo") => value_history
                .try_update_value(|history| history.redo(&displayed))
                .flatten(),
            _ => None,
        };
        if let Some(restored) = restored {
            value.set(restored);
            return;
        }

        // Any other change: the caret ends the inserted text, which locates
        // the change in the raw text.
        let caret = textarea.selection_end().ok().flatten();
        let Some(edit) = value.with_untracked(|raw| apply_displayed_edit(raw, &displayed, caret))
        else {
            return;
        };

        // A typed LF right after a lone CR joins it into one CRLF, which
        // shows as one line break, so show what the raw text now contains.
        if normalize_newlines(&edit.raw) != displayed {
            textarea.set_value(&edit.raw);
            _ = textarea.set_selection_range(edit.caret, edit.caret);
        }
        set_raw_value(edit.raw);
    };
    let on_value_paste = move |event: ClipboardEvent| {
        // The browser's own paste turns CRs into LFs, so a paste with CRs
        // is inserted here instead. Other pastes reach `on_value_input`.
        // NOTE: Text dropped into the field still loses its CRs.
        let Some(pasted) = event
            .clipboard_data()
            .and_then(|data| data.get_data("text/plain").ok())
            .map(Zeroizing::new)
        else {
            return;
        };
        if !pasted.contains('\r') {
            return;
        }
        let textarea: HtmlTextAreaElement = event_target(&event);
        let (Ok(Some(start)), Ok(Some(end))) =
            (textarea.selection_start(), textarea.selection_end())
        else {
            return;
        };
        event.prevent_default();
        on_edit.run(());

        // Compute the raw text after the paste and the change that shows it.
        let Edit { raw: edited, caret } =
            value.with_untracked(|raw| replace_selection(raw, start, end, &pasted));
        let displayed_after_paste = normalize_newlines(&edited);
        let replacement =
            displayed_replacement(&textarea.value(), start, end, &displayed_after_paste);

        // Let the browser make the change, so that its undo history records
        // it. The `input` event that this fires takes the raw text from
        // `pasted_value`.
        pasted_value.set_value(Some(edited.clone()));
        let inserted = insert_text(&textarea, &replacement);
        pasted_value.set_value(None);

        // The browser may not insert the text, or its `input` event may not
        // take the pasted raw text. Then write the textarea before the
        // signal, so that the value binding finds the text unchanged and
        // leaves the caret where it is put here.
        // NOTE: Writing the textarea bypasses the browser's undo history, so
        // in Chromium an undo then skips this paste and a redo can repeat
        // older edits.
        if !inserted || value.with_untracked(|raw| raw != &edited) {
            if textarea.value() != *displayed_after_paste {
                textarea.set_value(&edited);
            }
            set_raw_value(edited);
        }
        _ = textarea.set_selection_range(caret, caret);
    };

    let on_value_keydown = move |event: KeyboardEvent| {
        if event.key() == "Enter" && (event.ctrl_key() || event.meta_key()) {
            event.prevent_default();
            let textarea: HtmlTextAreaElement = event_target(&event);
            if let Some(form) = textarea.form() {
                // `requestSubmit` fails only for a form that is not
                // connected, which a focused textarea's form is.
                _ = form.request_submit();
            }
        }
    };

    view! {
            <div class="secret-field">
                <label for="secret-value">"Value"</label>
                <textarea
                    id="secret-value"
                    rows="4"
                    node_ref=node_ref
                    autocomplete="off"
                    spellcheck="false"
                    autocapitalize="off"
                    {..custom_attribute("autocorrect", "off")}
                    data-1p-ignore=""
                    data-lpignore="true"
                    data-bwignore=""
                    data-form-type="other"
                    aria-describedby="secret-value-hint secret-value-message secret-value-warnings"
                    aria-invalid=move || error.with(Option::is_some).then_some("true")
                    // A `JsValue` goes straight to the DOM, where a `String`
                    // copy would be freed without being zeroed.
                    prop:value=move || value.with(|value| JsValue::from_str(value))
                    readonly=move || read_only.get()
                    on:input=on_value_input
                    on:paste=on_value_paste
                    on:keydown=on_value_keydown
                    on:blur=move |_| touched.set(true)
                ></textarea>
                <p id="secret-value-hint" class="secret-field-hint">
                    "Saved exactly as typed, including spaces and line breaks. It is never shown again. Ctrl+Enter (⌘+Enter on a Mac) saves."
                </p>
                <p id="secret-value-message" class="secret-field-message" aria-live="polite">
                    {move || error.get()}
                </p>
                <ul id="secret-value-warnings" class="secret-field-warning" aria-live="polite">
                    {move || {
                        warnings
                            .get()
                            .into_iter()
                            .map(|warning| view! { <li>{warning}</li> })
                            .collect_view()
                    }}
                </ul>
            </div>
    }
}

/// Replaces a span of the textarea's text as `replacement` describes, with
/// `execCommand("insertText")`, so that the browser's undo history records
/// the change. The command fires `input` before it returns.
///
/// Returns `false`, without changing the text, when the textarea does not
/// have the focus (the command edits the focused field) or the browser does
/// not run the command.
fn insert_text(textarea: &HtmlTextAreaElement, replacement: &Replacement) -> bool {
    let Some(document) = textarea
        .owner_document()
        .and_then(|document| document.dyn_into::<HtmlDocument>().ok())
    else {
        return false;
    };
    let textarea_element: &web_sys::Element = textarea.as_ref();
    if document.active_element().as_ref() != Some(textarea_element) {
        return false;
    }
    if textarea
        .set_selection_range(replacement.start, replacement.end)
        .is_err()
    {
        return false;
    }
    document
        .exec_command_with_show_ui_and_value("insertText", false, &replacement.text)
        .unwrap_or(false)
}

/// Returns the `inputType` of an `input` event, such as "historyUndo", or
/// `None` for an event that is not an `InputEvent`.
fn input_type(event: &Event) -> Option<String> {
    event.dyn_ref::<InputEvent>().map(InputEvent::input_type)
}
