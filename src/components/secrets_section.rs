//! The Secrets section of Company Settings: the list of a company's secrets
//! above the form that adds one, the activity list below both, and a Sign
//! out button in the header.

use leptos::html;
use leptos::prelude::*;
use secrets_core::api::{SecretList as SecretListBody, SecretMetadata};
use secrets_core::{CompanyId, SecretKey, MAX_SECRETS_PER_COMPANY};

use crate::api::{Api, ApiError};
use crate::components::load_error::LoadState;
use crate::components::{ActivityList, ImportPanel, LoadError, SecretForm, SecretList, SignOut};
use crate::embed::Theme;

/// Message that replaces the section once the session has ended.
const SIGNED_OUT_MESSAGE: &str = "You are signed out. Open a new login link to sign in again.";

/// Shows the Secrets section of one company: heading, counter, Sign out
/// button, list, form and activity. After signing out it shows only the
/// heading and a message.
#[component]
pub fn SecretsSection(
    /// Company whose secrets are shown.
    company: CompanyId,
    /// Client for the REST API.
    api: Api,
    /// Whether the header shows a Sign out button that ends the browser
    /// session. A shell that signs members in and out itself, or that
    /// passes an `Api` with a bearer token, sets it to `false`. Defaults to
    /// `true`.
    #[prop(default = true)]
    show_sign_out: bool,
    /// Colour theme, written to `data-theme` on the root element. Defaults
    /// to [`Theme::Auto`], which follows `prefers-color-scheme`.
    #[prop(into, optional)]
    theme: Signal<Theme>,
) -> impl IntoView {
    let notice = RwSignal::new(None::<String>);
    // Increased after every confirmed change, so that the activity list
    // reloads its newest page.
    let activity_version = RwSignal::new(0_u32);
    let signed_out = RwSignal::new(false);
    let section_element: NodeRef<html::Section> = NodeRef::new();
    let notice_element: NodeRef<html::P> = NodeRef::new();

    // The loaded list. Saves, description updates and deletes edit it in
    // place with what the server confirmed, instead of loading it again. A
    // save rejected for a duplicate key or the limit loads it again, and so
    // does a description update of a secret that no longer exists.
    // NOTE: An edit in place while a reload runs discards the reloaded
    // list, so the list can stay out of date until the next load.
    let secrets = LocalResource::new({
        let api = api.clone();
        let company = company.clone();
        move || {
            let api = api.clone();
            let company = company.clone();
            async move { api.list_secrets(&company).await }
        }
    });
    let load_state = Memo::new(move |_| secrets.with(LoadState::of));
    // The activity list mounts, and sends its request, once the list of
    // secrets has loaded or failed for the first time. At page load the
    // list's request and rows then have the connection and the main
    // thread to themselves.
    let list_settled = Memo::new(move |settled: Option<&bool>| {
        settled.copied().unwrap_or(false) || load_state.with(|state| *state != LoadState::Loading)
    });
    let listed = Memo::new(move |_| {
        secrets.with(|loaded| match loaded {
            Some(Ok(list)) => list.secrets.clone(),
            _ => Vec::new(),
        })
    });
    let limit = Memo::new(move |_| {
        secrets.with(|loaded| match loaded {
            Some(Ok(list)) => list.limit,
            _ => MAX_SECRETS_PER_COMPANY,
        })
    });
    let existing_keys = Signal::derive(move || {
        listed.with(|list| list.iter().map(|secret| secret.key.clone()).collect())
    });
    let at_limit = Signal::derive(move || listed.with(Vec::len) >= limit.get());
    let counter = move || format!("{} of {}", listed.with(Vec::len), limit.get());

    // Callbacks from the rows and the form. A change sent before the
    // sign-out can complete after it, so these callbacks do nothing once
    // signed out. Otherwise the notice would show a key again.
    let refresh_activity =
        move || activity_version.update(|version| *version = version.wrapping_add(1));
    let on_saved = while_signed_in(signed_out, move |metadata: SecretMetadata| {
        notice.set(Some(format!("{} was added.", metadata.key)));
        let mut inserted = false;
        secrets.update(|loaded| {
            if let Some(Ok(list)) = loaded {
                insert_secret(list, metadata);
                inserted = true;
            }
        });
        // Without a loaded list there is nothing to insert into, so load it
        // again: it now contains the new secret.
        if !inserted {
            secrets.refetch();
        }
        refresh_activity();
    });
    let on_imported = while_signed_in(signed_out, move |imported: Vec<SecretMetadata>| {
        let count = imported.len();
        notice.set(Some(if count == 1 {
            "1 secret was imported.".to_owned()
        } else {
            format!("{count} secrets were imported.")
        }));
        let mut inserted = false;
        secrets.update(|loaded| {
            if let Some(Ok(list)) = loaded {
                for metadata in imported {
                    insert_secret(list, metadata);
                }
                inserted = true;
            }
        });
        if !inserted {
            secrets.refetch();
        }
        refresh_activity();
    });
    let on_updated = while_signed_in(signed_out, move |metadata: SecretMetadata| {
        notice.set(Some(format!(
            "The description of {} was saved.",
            metadata.key
        )));
        secrets.update(|loaded| {
            if let Some(Ok(list)) = loaded {
                insert_secret(list, metadata);
            }
        });
        refresh_activity();
    });
    // The secret was deleted elsewhere, so the loaded list is out of date.
    let on_not_found = while_signed_in(signed_out, move |key: SecretKey| {
        notice.set(Some(format!(
            "{key} no longer exists, so the list of secrets is reloading."
        )));
        secrets.refetch();
        refresh_activity();
    });
    let on_deleted = while_signed_in(signed_out, move |key: SecretKey| {
        notice.set(Some(format!("{key} was deleted.")));
        secrets.update(|loaded| remove_secret(loaded, &key));
        refresh_activity();
    });
    let on_already_deleted = while_signed_in(signed_out, move |key: SecretKey| {
        notice.set(Some(format!("{key} was already deleted.")));
        secrets.update(|loaded| remove_secret(loaded, &key));
        refresh_activity();
    });
    // The server stores secrets that the loaded list lacks, for example one
    // added in another tab, so load the list and the activity again. The
    // list then shows only what the server sent.
    let on_conflict = while_signed_in(signed_out, move |()| {
        secrets.refetch();
        refresh_activity();
    });
    let on_retry = Callback::new(move |()| secrets.refetch());
    let on_signed_out = Callback::new(move |()| {
        // Everything that can hold the focus leaves the page, so the focus
        // moves to the message.
        let had_focus = section_has_focus(section_element);
        signed_out.set(true);
        notice.set(Some(SIGNED_OUT_MESSAGE.to_owned()));
        if had_focus {
            request_animation_frame(move || {
                if let Some(message) = notice_element.get_untracked() {
                    _ = message.focus();
                }
            });
        }
    });
    let signed_in = move || !signed_out.get();
    let shows_counter = move || signed_in() && load_state.with(|state| *state == LoadState::Loaded);
    let shows_sign_out = move || show_sign_out && signed_in();
    let sign_out_api = api.clone();

    let list_view = {
        let api = api.clone();
        let company = company.clone();
        move || match load_state.get() {
            LoadState::Loading => {
                view! { <p class="secrets-loading">"Loading secrets…"</p> }.into_any()
            }
            LoadState::Loaded => view! {
                <SecretList
                    secrets=listed
                    company=company.clone()
                    api=api.clone()
                    on_updated
                    on_not_found
                    on_deleted
                    on_already_deleted
                />
            }
            .into_any(),
            LoadState::Failed(error) => view! {
                <LoadError summary="The secrets could not be loaded." error on_retry />
            }
            .into_any(),
        }
    };

    let activity_view = {
        let api = api.clone();
        let company = company.clone();
        move || {
            list_settled.get().then(|| {
                view! {
                    <ActivityList company=company.clone() api=api.clone() version=activity_version />
                }
            })
        }
    };

    // After signing out, only the heading and the notice stay, so the page
    // keeps no key, description, member name or typed value of the company.
    view! {
        <section
            class="secrets-root secrets-section"
            data-theme=move || theme.get().as_str()
            aria-labelledby="secrets-heading"
            node_ref=section_element
        >
            <header class="secrets-header">
                <h2 id="secrets-heading">"Secrets"</h2>
                <Show when=shows_counter>
                    <span class="secrets-count" title="Secrets stored, out of the company's limit">
                        {counter}
                    </span>
                </Show>
                <Show when=shows_sign_out>
                    <SignOut api=sign_out_api.clone() on_signed_out />
                </Show>
            </header>
            <Show when=signed_in>
                <p class="secrets-intro">
                    "Every new task of this company can use these values, and so can any code that runs inside those tasks."
                </p>
            </Show>
            <p
                class="secrets-notice"
                role="status"
                tabindex=move || signed_out.get().then_some("-1")
                node_ref=notice_element
            >
                {move || notice.get()}
            </p>
            <Show when=signed_in>
                {list_view.clone()}
                <SecretForm
                    company=company.clone()
                    api=api.clone()
                    existing_keys
                    at_limit
                    on_saved
                    on_conflict
                />
                <ImportPanel
                    company=company.clone()
                    api=api.clone()
                    existing_keys
                    limit
                    on_imported
                    on_conflict
                />
                {activity_view.clone()}
            </Show>
        </section>
    }
}

/// Returns a callback that runs `handler` only while the owner has not
/// signed out.
fn while_signed_in<T: 'static>(
    signed_out: RwSignal<bool>,
    handler: impl Fn(T) + Send + Sync + 'static,
) -> Callback<T> {
    Callback::new(move |input| {
        if !signed_out.get_untracked() {
            handler(input);
        }
    })
}

/// Returns `true` when the keyboard focus is inside the section, or
/// nowhere. Under the HTML focus fixup rule, the Sign out button loses the
/// focus to `<body>` when it becomes disabled while its request runs, so
/// focus on `<body>` counts as the section's.
fn section_has_focus(section: NodeRef<html::Section>) -> bool {
    let focused = document()
        .active_element()
        .filter(|element| Some(element) != document().body().map(Into::into).as_ref());
    let Some(focused) = focused else {
        return true;
    };
    section
        .get_untracked()
        .is_some_and(|section| section.contains(Some(&focused)))
}

/// Inserts `metadata` into `list`, replacing a secret with the same key,
/// and keeps the list sorted by key as the server sends it.
fn insert_secret(list: &mut SecretListBody, metadata: SecretMetadata) {
    list.secrets.retain(|secret| secret.key != metadata.key);
    let position = list
        .secrets
        .partition_point(|secret| secret.key < metadata.key);
    list.secrets.insert(position, metadata);
}

/// Removes the secret with `key` from a loaded list, if the list is loaded.
fn remove_secret(loaded: &mut Option<Result<SecretListBody, ApiError>>, key: &SecretKey) {
    if let Some(Ok(list)) = loaded {
        list.secrets.retain(|secret| &secret.key != key);
    }
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

    fn keys(list: &SecretListBody) -> Vec<&str> {
        list.secrets
            .iter()
            .map(|secret| secret.key.as_str())
            .collect()
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn insert_secret_keeps_order() {
        let mut list = SecretListBody {
            secrets: vec![metadata("A_KEY"), metadata("C_KEY")],
            limit: 50,
        };
        insert_secret(&mut list, metadata("B_KEY"));
        insert_secret(&mut list, metadata("D_KEY"));
        insert_secret(&mut list, metadata("B_KEY"));
        assert_eq!(keys(&list), ["A_KEY", "B_KEY", "C_KEY", "D_KEY"]);
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn remove_secret_drops_key() {
        let list = SecretListBody {
            secrets: vec![metadata("A_KEY"), metadata("B_KEY")],
            limit: 50,
        };
        let mut loaded = Some(Ok(list));
        remove_secret(&mut loaded, &SecretKey::parse("A_KEY").expect("valid key"));
        let Some(Ok(list)) = loaded else {
            panic!("list should stay loaded");
        };
        assert_eq!(keys(&list), ["B_KEY"]);
    }
}
