//! The Secrets section of Company Settings: the list of a company's secrets
//! above the form that adds one, and the activity list below both.

use leptos::prelude::*;
use secrets_core::api::{SecretList as SecretListBody, SecretMetadata};
use secrets_core::{CompanyId, SecretKey, MAX_SECRETS_PER_COMPANY};

use crate::api::{Api, ApiError};
use crate::components::load_error::LoadState;
use crate::components::{ActivityList, LoadError, SecretForm, SecretList};

/// Shows the Secrets section of one company: heading, counter, list, form
/// and activity.
#[component]
pub fn SecretsSection(
    /// Company whose secrets are shown.
    company: CompanyId,
    /// Client for the REST API.
    api: Api,
) -> impl IntoView {
    let notice = RwSignal::new(None::<String>);
    // Increased after every confirmed change, so that the activity list
    // reloads its newest page.
    let activity_version = RwSignal::new(0_u32);

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

    // Callbacks from the rows and the form.
    let refresh_activity =
        move || activity_version.update(|version| *version = version.wrapping_add(1));
    let on_saved = Callback::new(move |metadata: SecretMetadata| {
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
    let on_updated = Callback::new(move |metadata: SecretMetadata| {
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
    let on_not_found = Callback::new(move |key: SecretKey| {
        notice.set(Some(format!(
            "{key} no longer exists, so the list of secrets is reloading."
        )));
        secrets.refetch();
        refresh_activity();
    });
    let on_deleted = Callback::new(move |key: SecretKey| {
        notice.set(Some(format!("{key} was deleted.")));
        secrets.update(|loaded| remove_secret(loaded, &key));
        refresh_activity();
    });
    let on_already_deleted = Callback::new(move |key: SecretKey| {
        notice.set(Some(format!("{key} was already deleted.")));
        secrets.update(|loaded| remove_secret(loaded, &key));
        refresh_activity();
    });
    // The server stores secrets that the loaded list lacks, for example one
    // added in another tab, so load the list and the activity again. The
    // list then shows only what the server sent.
    let on_conflict = Callback::new(move |()| {
        secrets.refetch();
        refresh_activity();
    });
    let on_retry = Callback::new(move |()| secrets.refetch());

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

    view! {
        <section class="secrets-section" aria-labelledby="secrets-heading">
            <header class="secrets-header">
                <h2 id="secrets-heading">"Secrets"</h2>
                <Show when=move || load_state.with(|state| *state == LoadState::Loaded)>
                    <span class="secrets-count" title="Secrets stored, out of the company's limit">
                        {counter}
                    </span>
                </Show>
            </header>
            <p class="secrets-intro">
                "Every new task of this company can use these values, and so can any code that runs inside those tasks."
            </p>
            <p class="secrets-notice" role="status">{move || notice.get()}</p>
            {list_view}
            <SecretForm
                company=company.clone()
                api=api.clone()
                existing_keys
                at_limit
                on_saved
                on_conflict
            />
            <ActivityList company api version=activity_version />
        </section>
    }
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
