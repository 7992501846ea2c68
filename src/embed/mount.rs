//! The JavaScript entry: `mount(element, options)` and the handle that it
//! returns.

use std::any::Any;
use std::cell::RefCell;
use std::fmt;

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::HtmlElement;

use super::options::{describe, parse_theme, MountOptions, MountTarget};
use super::Theme;
use crate::api::Api;
use crate::app::App;
use crate::components::SecretsSection;

thread_local! {
    /// The elements that contain a section mounted by [`mount`] and not
    /// unmounted since.
    static HOSTS: RefCell<Vec<HtmlElement>> = const { RefCell::new(Vec::new()) };
}

/// Mounts the Secrets section into `element`, after the element's existing
/// children, and returns a handle whose `unmount()` removes it again.
///
/// `options` is an object:
/// - `company`: the company ID, such as `"acme"`. Required unless
///   `basePath` is given.
/// - `apiBase`: URL or path of the REST API, such as `"/secrets"`.
///   Default `""`: the page's origin. NOTE: the server sends no CORS
///   headers, so an API on another origin needs a proxy that adds them.
/// - `token`: a bearer token that every request sends. Default none: the
///   browser's same-origin session cookie.
/// - `showSignOut`: whether the section shows a Sign out button that ends
///   the session. Default `false`, because a shell owns sign-in and
///   sign-out.
/// - `theme`: `"light"`, `"dark"` or `"auto"`. Default `"auto"`, which
///   follows `prefers-color-scheme`.
/// - `basePath`: instead of `company`, the path prefix of the shell, such
///   as `"/dashboard"`. The section then takes the company from the page's
///   path, `/dashboard/companies/COMPANY/settings/secrets`.
///
/// Throws an `Error` that names the problem for an element that is not an
/// HTML element, an element that already contains a section, a page that
/// shows a section elsewhere, or an invalid option.
#[wasm_bindgen]
pub fn mount(element: JsValue, options: JsValue) -> Result<SectionHandle, JsError> {
    let element: HtmlElement = element.dyn_into().map_err(|value| {
        JsError::new(&format!(
            "Invalid element: expected an HTML element to mount the section in, got {}.",
            describe(&value)
        ))
    })?;
    if HOSTS.with_borrow(|hosts| hosts.contains(&element)) {
        return Err(JsError::new(
            "This element already contains a Secrets section. Call unmount() on its handle before mounting it again.",
        ));
    }
    // The section's fields have fixed ids, which labels and descriptions
    // refer to, so a second section would take the first one's labels.
    if HOSTS.with_borrow(|hosts| !hosts.is_empty()) {
        return Err(JsError::new(
            "A Secrets section is already mounted on this page, and a page can show only one. Call unmount() on its handle first.",
        ));
    }
    let options =
        MountOptions::from_js(&options).map_err(|error| JsError::new(&error.to_string()))?;

    let theme = ArcRwSignal::new(options.theme);
    let mounted = mount_to(element.clone(), {
        let theme = theme.clone();
        move || section_view(options, theme)
    });
    HOSTS.with_borrow_mut(|hosts| hosts.push(element.clone()));
    Ok(SectionHandle {
        element,
        theme,
        mounted: Some(Box::new(mounted)),
    })
}

/// Builds the view that `options` ask for. It runs inside the owner of the
/// mount, so the signals it creates are disposed on unmount.
fn section_view(options: MountOptions, theme: ArcRwSignal<Theme>) -> AnyView {
    let mut api = Api::new(options.api_base);
    if let Some(token) = &options.token {
        api = api.with_bearer_token(token.as_str());
    }
    let show_sign_out = options.show_sign_out;
    let theme = Signal::derive(move || theme.get());
    match options.target {
        MountTarget::Company(company) => {
            view! { <SecretsSection company api show_sign_out theme /> }.into_any()
        }
        MountTarget::BasePath(base_path) => {
            view! { <App base_path api show_sign_out theme /> }.into_any()
        }
    }
}

/// Handle on a section that [`mount`] created.
///
/// Garbage collection or `free()` of the handle leaves the section
/// mounted, so a shell that drops the handle keeps the section. Only
/// `unmount()` removes it.
#[wasm_bindgen]
pub struct SectionHandle {
    element: HtmlElement,
    theme: ArcRwSignal<Theme>,
    /// Leptos's unmount handle, which unmounts when dropped; `None` after
    /// `unmount()`.
    mounted: Option<Box<dyn Any>>,
}

#[wasm_bindgen]
impl SectionHandle {
    /// Removes every node of the section, its event listeners and its
    /// reactive state, and lets `mount` use the element again. Requests
    /// still running complete, but their results are dropped. A second
    /// call does nothing.
    pub fn unmount(&mut self) {
        let Some(mounted) = self.mounted.take() else {
            return;
        };
        drop(mounted);
        HOSTS.with_borrow_mut(|hosts| hosts.retain(|host| host != &self.element));
    }

    /// Switches the section to `"light"`, `"dark"` or `"auto"` without
    /// mounting it again, so nothing typed is lost. Throws an `Error` for
    /// any other value.
    #[wasm_bindgen(js_name = setTheme)]
    pub fn set_theme(&self, theme: JsValue) -> Result<(), JsError> {
        let theme = parse_theme(&theme).map_err(|error| JsError::new(&error.to_string()))?;
        self.theme.set(theme);
        Ok(())
    }
}

impl Drop for SectionHandle {
    fn drop(&mut self) {
        // wasm-bindgen drops the handle when JavaScript garbage-collects or
        // frees it. Dropping Leptos's handle would unmount the section, so
        // it is leaked instead, as `mount_to_body` does.
        if let Some(mounted) = self.mounted.take() {
            std::mem::forget(mounted);
        }
    }
}

impl fmt::Debug for SectionHandle {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("SectionHandle")
            .field("mounted", &self.mounted.is_some())
            .field("theme", &self.theme.get_untracked())
            .finish_non_exhaustive()
    }
}
