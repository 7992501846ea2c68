//! The Sign out button, which ends the browser session of the section.

use leptos::prelude::*;

use crate::api::{Api, ApiError};

/// Button that ends the session through the API, with the reason next to
/// it when that fails. After a failure the section stays as it is, and the
/// button can be pressed again.
#[component]
pub fn SignOut(
    /// Client whose session is ended.
    api: Api,
    /// Called once the server ended the session, or reported that there
    /// was no valid session to end.
    on_signed_out: Callback<()>,
) -> impl IntoView {
    // Signing out.
    let sign_out = Action::new_local(move |_: &()| {
        let api = api.clone();
        async move {
            api.end_session().await?;
            on_signed_out.try_run(());
            Ok::<(), ApiError>(())
        }
    });
    let signing_out = sign_out.pending();
    let label = move || {
        if signing_out.get() {
            "Signing out…"
        } else {
            "Sign out"
        }
    };
    let error = move || {
        sign_out
            .value()
            .get()
            .and_then(Result::err)
            .map(|error| format!("Could not sign out. {error}"))
    };

    // Handlers. Leptos disables the button in a later microtask, not while
    // this handler runs, so a second click dispatched before then is
    // ignored here.
    let on_click = move |_| {
        if !signing_out.get_untracked() {
            sign_out.dispatch_local(());
        }
    };

    view! {
        <div class="secrets-sign-out">
            <button
                type="button"
                class="secrets-sign-out-button"
                disabled=move || signing_out.get()
                aria-busy=move || signing_out.get().then_some("true")
                on:click=on_click
            >
                {label}
            </button>
            <p class="secrets-sign-out-error" role="alert">{error}</p>
        </div>
    }
}
