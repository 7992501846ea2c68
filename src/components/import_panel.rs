//! The import panel: pasted `.env` text becomes one preview row per secret,
//! and the secrets are saved together in one request that the server
//! applies as a whole or not at all.

use leptos::ev::{Event, SubmitEvent};
use leptos::html;
use leptos::prelude::*;
use secrets_core::api::{ErrorBody, SecretMetadata};
use secrets_core::{CompanyId, SecretKey};
use wasm_bindgen::JsValue;
use web_sys::HtmlTextAreaElement;
use zeroize::{Zeroize, Zeroizing};

use crate::api::{Api, ApiError, UnsealedSecret};
use crate::import_preview::{
    empty_text, format_bytes, secrets_to_import, ImportPreview, PreviewRow,
};
use crate::pending::Pending;

/// Shows a button that opens a panel for `.env` text, its preview, and the
/// Import button, which stays disabled until every row is valid.
#[component]
pub fn ImportPanel(
    /// Company that the secrets are imported into.
    company: CompanyId,
    /// Client that seals and imports the secrets.
    api: Api,
    /// Keys of the loaded list, so that a key that exists is reported per
    /// line.
    #[prop(into)]
    existing_keys: Signal<Vec<SecretKey>>,
    /// The company's limit of secrets.
    #[prop(into)]
    limit: Signal<usize>,
    /// Called with the metadata of the imported secrets, in the order of
    /// the text.
    on_imported: Callback<Vec<SecretMetadata>>,
    /// Called when the server rejects the import because of secrets that
    /// the loaded list may not show: a key that exists or the limit.
    on_conflict: Callback<()>,
) -> impl IntoView {
    // State. The text may contain values, so it sits in a buffer that is
    // zeroed whenever it is replaced or dropped.
    let open = RwSignal::new(false);
    let text = RwSignal::new(empty_text());
    // Counts confirmed imports. Each one mounts a new textarea, because the
    // browser's undo history of the old one still contains the values.
    let textarea_generation = RwSignal::new(0_u32);
    let toggle_button: NodeRef<html::Button> = NodeRef::new();

    // The import request.
    let import = Action::new_local(move |pending: &Pending<Vec<UnsealedSecret>>| {
        let secrets = pending.take();
        let api = api.clone();
        let company = company.clone();
        async move {
            let Some(secrets) = secrets else {
                return Err(ApiError::InvalidRequest);
            };
            let result = api.import_secrets(&company, &secrets).await;
            drop(secrets);
            let imported = match result {
                Ok(imported) => imported,
                Err(error) => {
                    if error.is_list_out_of_date() {
                        on_conflict.try_run(());
                    }
                    return Err(error);
                }
            };

            // The server stored every secret: clear the text, close the
            // panel and hand the metadata to the list.
            text.try_update(|text| text.zeroize());
            textarea_generation.try_update(|generation| *generation += 1);
            open.try_set(false);
            on_imported.try_run(imported);
            if let Some(button) = toggle_button.get_untracked() {
                _ = button.focus();
            }
            Ok(())
        }
    });
    let importing = import.pending();

    // Derived preview, with the errors of a rejected import on their rows.
    let failure = move || import.value().get().and_then(Result::err);
    let preview = Memo::new(move |_| {
        let mut preview =
            text.with(|text| existing_keys.with(|keys| ImportPreview::of(text, keys, limit.get())));
        if let Some(ApiError::Rejected(ErrorBody { items, .. })) = failure() {
            preview.add_server_errors(&items);
        }
        preview
    });
    let secret_count = move || preview.with(ImportPreview::secret_count);
    let can_import = move || preview.with(ImportPreview::is_ready) && !importing.get();
    let import_label = move || match (importing.get(), secret_count()) {
        (true, count) => format!("Importing {}…", secrets_noun(count)),
        (false, 0) => "Import".to_owned(),
        (false, count) => format!("Import {}", secrets_noun(count)),
    };
    let summary = move || {
        let (count, invalid) = preview.with(|preview| {
            let invalid = preview.rows.iter().filter(|row| !row.is_valid()).count();
            (preview.secret_count(), invalid)
        });
        match (count, invalid) {
            (0, 0) => None,
            (_, 0) => Some(format!("{} ready to import.", secrets_noun(count))),
            (_, 1) => Some("1 line has a problem, so nothing can be imported yet.".to_owned()),
            (_, invalid) => Some(format!(
                "{invalid} lines have problems, so nothing can be imported yet."
            )),
        }
    };
    let form_error = move || failure().map(|error| error.to_string());
    let can_retry = move || failure().is_some_and(|error| error.is_retryable());

    // Handlers. An edit hides the error of the last failed import, which
    // described the text as it was then.
    let clear_failure = move || {
        if import
            .value()
            .with_untracked(|result| matches!(result, Some(Err(_))))
        {
            import.value().set(None);
        }
    };
    let on_toggle = move |_| open.update(|open| *open = !*open);
    let on_text_input = move |event: Event| {
        clear_failure();
        let textarea: HtmlTextAreaElement = event_target(&event);
        text.set(Zeroizing::new(textarea.value()));
    };
    let start_import = move || {
        if !preview.with_untracked(ImportPreview::is_ready) || importing.get_untracked() {
            return;
        }
        let Some(secrets) = text.with_untracked(|text| secrets_to_import(text)) else {
            return;
        };
        import.dispatch_local(Pending::new(secrets));
    };
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        start_import();
    };
    let on_retry = move |_| start_import();

    view! {
        <div class="secrets-import">
            <button
                type="button"
                class="secrets-import-toggle"
                node_ref=toggle_button
                aria-expanded=move || open.get().to_string()
                aria-controls="secrets-import-panel"
                on:click=on_toggle
            >
                "Import from .env"
            </button>
            <Show when=move || open.get()>
                // Only `on_submit` imports. The textarea has no `name` and
                // the method is "dialog", as in the secret form, so a native
                // submission neither sends the text nor leaves the page.
                <form
                    id="secrets-import-panel"
                    class="secrets-import-panel"
                    method="dialog"
                    aria-labelledby="secrets-import-title"
                    on:submit=on_submit
                >
                    <h3 id="secrets-import-title" class="secrets-import-title">
                        "Import from .env"
                    </h3>
                    <label for="secrets-import-text">"Paste the contents of a .env file"</label>
                    <For
                        each=move || [textarea_generation.get()]
                        key=|generation| *generation
                        children=move |_| {
                            view! {
                                <textarea
                                    id="secrets-import-text"
                                    class="secrets-import-text"
                                    rows="8"
                                    autocomplete="off"
                                    spellcheck="false"
                                    autocapitalize="off"
                                    data-1p-ignore=""
                                    data-lpignore="true"
                                    data-bwignore=""
                                    data-form-type="other"
                                    aria-describedby="secrets-import-hint secrets-import-summary"
                                    // Set once, when the textarea is created: a
                                    // reactive binding would write a new copy of
                                    // the text, which cannot be zeroed, after
                                    // every keystroke.
                                    prop:value=text.with_untracked(|text| JsValue::from_str(text))
                                    readonly=move || importing.get()
                                    on:input=on_text_input
                                ></textarea>
                            }
                        }
                    />
                    <p id="secrets-import-hint" class="secret-field-hint">
                        "One KEY=value per line. Lines starting with # and blank lines are skipped, export is allowed, and values may be quoted. Nothing is saved unless every line is valid; add descriptions afterwards."
                    </p>
                    <ImportRows preview />
                    <p id="secrets-import-summary" class="secrets-import-summary" role="status">
                        {summary}
                    </p>
                    <div class="secret-form-error-area">
                        <p class="secret-form-error" role="alert">
                            {form_error}
                        </p>
                        <Show when=can_retry>
                            <button type="button" class="secrets-import-retry" on:click=on_retry>
                                "Try again"
                            </button>
                        </Show>
                    </div>
                    <button
                        type="submit"
                        class="secrets-import-submit"
                        disabled=move || !can_import()
                        aria-busy=move || importing.get().then_some("true")
                    >
                        {import_label}
                    </button>
                </form>
            </Show>
        </div>
    }
}

/// Lists the preview rows: line number, key and value size of each secret, with
/// its errors and warnings. Rows are keyed by line number, and each row
/// reads its own part of the preview.
#[component]
fn ImportRows(
    /// The preview of the pasted text.
    #[prop(into)]
    preview: Signal<ImportPreview>,
) -> impl IntoView {
    let lines =
        move || preview.with(|preview| preview.rows.iter().map(|row| row.line).collect::<Vec<_>>());
    view! {
        <ul class="secrets-import-rows" aria-label="Preview of the import">
            <For each=lines key=|line| *line let:line>
                <ImportRow row=Memo::new(move |_| {
                    preview.with(|preview| preview.row(line).cloned().unwrap_or_default())
                }) />
            </For>
        </ul>
    }
}

/// Shows one preview row.
#[component]
fn ImportRow(
    /// The row to show.
    #[prop(into)]
    row: Signal<PreviewRow>,
) -> impl IntoView {
    let class = move || {
        if row.with(PreviewRow::is_valid) {
            "secrets-import-row"
        } else {
            "secrets-import-row secrets-import-row-invalid"
        }
    };
    let line = move || row.with(|row| row.line);
    let key = move || {
        row.with(|row| {
            (!row.key.is_empty())
                .then(|| view! { <code class="secrets-import-key">{row.key.clone()}</code> })
        })
    };
    let size = move || {
        row.with(|row| {
            row.value_bytes.map(
                |bytes| view! { <span class="secrets-import-size">{format_bytes(bytes)}</span> },
            )
        })
    };
    let messages = move || {
        row.with(|row| {
            let errors = row
                .errors
                .iter()
                .map(|error| view! { <li class="secret-field-message">{error.clone()}</li> });
            let warnings = row
                .warnings
                .iter()
                .map(|warning| view! { <li class="secret-field-warning">{warning.clone()}</li> });
            errors.chain(warnings).collect_view()
        })
    };
    view! {
        <li class=class data-line=line>
            <span class="secrets-import-line">"Line " {line}</span>
            {key}
            {size}
            <ul class="secrets-import-messages">{messages}</ul>
        </li>
    }
}

/// Returns `1 secret` or `N secrets`.
fn secrets_noun(count: usize) -> String {
    if count == 1 {
        "1 secret".to_owned()
    } else {
        format!("{count} secrets")
    }
}
