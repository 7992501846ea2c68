//! The standalone app: a router around the Secrets section, for
//! development and self-hosting.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::hooks::use_params_map;
use leptos_router::path;
use secrets_core::CompanyId;

use crate::api::Api;
use crate::components::SecretsSection;

/// Root of the standalone app. The API is on the page's own origin.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <Router>
            <main class="secrets-app">
                <Routes fallback=NotFound>
                    <Route path=path!("/companies/:company/settings/secrets") view=CompanySecretsPage />
                </Routes>
            </main>
        </Router>
    }
}

/// Page of one company's Secrets section, for the company named in the URL.
#[component]
fn CompanySecretsPage() -> impl IntoView {
    let params = use_params_map();
    let company = Memo::new(move |_| {
        params.with(|params| CompanyId::parse(&params.get("company").unwrap_or_default()))
    });
    // One handle for the page, so that its cache of public keys outlives a
    // change of company in the address.
    let api = Api::default();

    move || match company.get() {
        Ok(company) => view! { <SecretsSection company api=api.clone() /> }.into_any(),
        Err(error) => view! {
            <div class="secrets-app-message" role="alert">
                <h1>"Invalid company in the address"</h1>
                <p>{error.to_string()} " Check the link you followed."</p>
            </div>
        }
        .into_any(),
    }
}

/// Page shown for every address that is not a Secrets section.
#[component]
fn NotFound() -> impl IntoView {
    view! {
        <div class="secrets-app-message" role="alert">
            <h1>"Page not found"</h1>
            <p>
                "The Secrets section is at /companies/COMPANY/settings/secrets, where COMPANY is the company's ID."
            </p>
        </div>
    }
}
