//! The message shown when a list could not be loaded, and the load state
//! that decides when to show it.

use leptos::prelude::*;

use crate::api::ApiError;

/// Progress of loading a list through a resource.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum LoadState {
    Loading,
    Loaded,
    Failed(ApiError),
}

impl LoadState {
    /// Returns the state of a resource's current value.
    pub(crate) fn of<T>(loaded: &Option<Result<T, ApiError>>) -> Self {
        match loaded {
            None => Self::Loading,
            Some(Ok(_)) => Self::Loaded,
            Some(Err(error)) => Self::Failed(error.clone()),
        }
    }
}

/// Explains why a list could not be loaded and offers to try again.
#[component]
pub fn LoadError(
    /// Sentence that names what could not be loaded, for example "The
    /// secrets could not be loaded."
    summary: &'static str,
    /// Why the list could not be loaded.
    error: ApiError,
    /// Called when the owner asks to load the list again.
    on_retry: Callback<()>,
) -> impl IntoView {
    view! {
        <div class="secrets-load-error" role="alert">
            <p>{summary} " " {error.to_string()}</p>
            <button type="button" class="secrets-retry" on:click=move |_| on_retry.run(())>
                "Retry"
            </button>
        </div>
    }
}
