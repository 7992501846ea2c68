//! The list of a company's secrets, or its empty state.

use leptos::prelude::*;
use secrets_core::api::SecretMetadata;
use secrets_core::{CompanyId, SecretKey};

use crate::api::Api;
use crate::components::SecretRow;

/// List of secrets, one row per key, or a hint when there is none yet.
#[component]
pub fn SecretList(
    /// Secrets to show, sorted as they should appear.
    #[prop(into)]
    secrets: Signal<Vec<SecretMetadata>>,
    /// Company that the secrets belong to.
    company: CompanyId,
    /// Client that the rows use to delete secrets.
    api: Api,
    /// Called with the key once the server deleted a secret.
    on_deleted: Callback<SecretKey>,
    /// Called with the key when a secret was already gone on delete.
    on_already_deleted: Callback<SecretKey>,
) -> impl IntoView {
    let is_empty = move || secrets.with(Vec::is_empty);
    let row = move |secret: SecretMetadata| {
        view! {
            <SecretRow
                secret
                company=company.clone()
                api=api.clone()
                on_deleted
                on_already_deleted
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
            <ul class="secret-list">
                <For each=move || secrets.get() key=|secret| secret.key.clone() children=row.clone() />
            </ul>
        </Show>
    }
}
