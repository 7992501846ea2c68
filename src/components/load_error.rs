//! The message shown when the list of secrets could not be loaded.

use leptos::prelude::*;

use crate::api::ApiError;

/// Explains why the list could not be loaded and offers to try again.
#[component]
pub fn LoadError(
    /// Why the list could not be loaded.
    error: ApiError,
    /// Called when the owner asks to load the list again.
    on_retry: Callback<()>,
) -> impl IntoView {
    view! {
        <div class="secrets-load-error" role="alert">
            <p>"The secrets could not be loaded. " {error.to_string()}</p>
            <button type="button" class="secrets-retry" on:click=move |_| on_retry.run(())>
                "Retry"
            </button>
        </div>
    }
}
