//! The routed app: the Secrets section of the company that the page's path
//! names, for the standalone page and for shells that mount the section
//! with a base path.
//!
//! The app reads `location.pathname` when it mounts and on every
//! `popstate`, and matches it against its one route. It does not use
//! Leptos Router, because Leptos Router 0.8 handles every click on a
//! same-origin link below its base path in the whole window, so inside a
//! shell it would take over the shell's own navigation links.

use leptos::ev;
use leptos::prelude::*;
use secrets_core::CompanyId;

use crate::api::Api;
use crate::components::SecretsSection;
use crate::embed::Theme;

/// The section's path below the base path, with `COMPANY` in place of the
/// company's ID.
pub const SECTION_PATH: &str = "/companies/COMPANY/settings/secrets";

/// The Secrets section of the company named in the page's path,
/// `{base_path}/companies/{company}/settings/secrets`, or a message for
/// every other path.
#[component]
pub fn App(
    /// Path prefix of the route, such as `/dashboard`, without a trailing
    /// slash. Defaults to none.
    #[prop(into, optional)]
    base_path: String,
    /// Client for the REST API. Defaults to the page's origin with the
    /// session cookie.
    #[prop(optional)]
    api: Api,
    /// Whether the section shows its Sign out button. Defaults to `true`.
    #[prop(default = true)]
    show_sign_out: bool,
    /// Colour theme. Defaults to [`Theme::Auto`].
    #[prop(into, optional)]
    theme: Signal<Theme>,
) -> impl IntoView {
    let path = location_path();
    let company = Memo::new({
        let base_path = base_path.clone();
        move |_| path.with(|path| company_segment(&base_path, path).map(str::to_owned))
    });

    // One API handle for the app, so that its cache of public keys
    // outlives a change of company in the path.
    move || match company.get() {
        Some(company) => {
            view! { <CompanyPage company api=api.clone() show_sign_out theme /> }.into_any()
        }
        None => view! { <NotFound base_path=base_path.clone() theme /> }.into_any(),
    }
}

/// Shows the section of the company in `company`, the path segment, or a
/// message when the segment is not a company ID.
#[component]
fn CompanyPage(
    company: String,
    api: Api,
    show_sign_out: bool,
    theme: Signal<Theme>,
) -> impl IntoView {
    match CompanyId::parse(&company) {
        Ok(company) => view! { <SecretsSection company api show_sign_out theme /> }.into_any(),
        Err(error) => view! {
            <div class="secrets-root secrets-app-message" role="alert" data-theme=move || theme.get().as_str()>
                <h1>"Invalid company in the address"</h1>
                <p>{error.to_string()} " Check the link you followed."</p>
            </div>
        }
        .into_any(),
    }
}

/// Message shown for every path that is not a Secrets section.
#[component]
fn NotFound(base_path: String, theme: Signal<Theme>) -> impl IntoView {
    view! {
        <div class="secrets-root secrets-app-message" role="alert" data-theme=move || theme.get().as_str()>
            <h1>"Page not found"</h1>
            <p>
                "The Secrets section is at " {base_path} {SECTION_PATH}
                ", where COMPANY is the company's ID."
            </p>
        </div>
    }
}

/// Returns the page's path as a signal that follows back and forward
/// navigation. The `popstate` listener is removed with the current owner.
///
/// NOTE: `history.pushState` fires no event, so a shell that changes the
/// path that way must mount the section again.
fn location_path() -> ReadSignal<String> {
    let read_path = || window().location().pathname().unwrap_or_default();
    let (path, set_path) = signal(read_path());
    let listener = window_event_listener(ev::popstate, move |_| set_path.set(read_path()));
    on_cleanup(move || listener.remove());
    path
}

/// Returns the company segment of `path` when `path` is the section's path
/// below `base_path`, with or without a trailing slash.
fn company_segment<'a>(base_path: &str, path: &'a str) -> Option<&'a str> {
    let below_base = path.strip_prefix(base_path)?;
    let below_base = below_base.strip_suffix('/').unwrap_or(below_base);
    let company = below_base
        .strip_prefix("/companies/")?
        .strip_suffix("/settings/secrets")?;
    (!company.is_empty() && !company.contains('/')).then_some(company)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn company_segment_matches_route() {
        let cases = [
            ("", "/companies/acme/settings/secrets", Some("acme")),
            ("", "/companies/acme/settings/secrets/", Some("acme")),
            ("", "/companies/ACME!/settings/secrets", Some("ACME!")),
            (
                "/dashboard",
                "/dashboard/companies/acme/settings/secrets",
                Some("acme"),
            ),
        ];
        for (base_path, path, expected) in cases {
            assert_eq!(
                company_segment(base_path, path),
                expected,
                "{base_path:?} {path:?}"
            );
        }
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn company_segment_rejects_other_paths() {
        let cases = [
            ("", "/"),
            ("", "/companies//settings/secrets"),
            ("", "/companies/a/b/settings/secrets"),
            ("", "/companies/acme/settings/secrets/extra"),
            ("", "/dashboard/companies/acme/settings/secrets"),
            ("/dashboard", "/companies/acme/settings/secrets"),
            ("/dashboard", "/dashboardx/companies/acme/settings/secrets"),
        ];
        for (base_path, path) in cases {
            assert_eq!(
                company_segment(base_path, path),
                None,
                "{base_path:?} {path:?}"
            );
        }
    }
}
