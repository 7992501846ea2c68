//! The standalone page, index.html, which marks the element that the
//! routed app mounts in.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use super::options::parse_base_path;
use crate::app::App;

/// Attribute that marks the element of the standalone page that the
/// routed app mounts in.
pub const STANDALONE_ATTRIBUTE: &str = "data-secrets-standalone";

/// Attribute of the marked element that contains the base path, such as
/// `/dashboard`. An absent or empty attribute means no base path.
pub const BASE_PATH_ATTRIBUTE: &str = "data-secrets-base-path";

/// Mounts the routed app into the element that carries
/// [`STANDALONE_ATTRIBUTE`], for the rest of the page's life, and returns
/// `true`. Returns `false` without mounting on a page that has no such
/// element, such as a shell that loads the module only to call `mount`,
/// and logs an error when the element's base path is invalid.
pub fn mount_standalone_page() -> bool {
    let host = document()
        .query_selector(&format!("[{STANDALONE_ATTRIBUTE}]"))
        .ok()
        .flatten()
        .and_then(|host| host.dyn_into::<HtmlElement>().ok());
    let Some(host) = host else {
        return false;
    };

    let base_path = host.get_attribute(BASE_PATH_ATTRIBUTE).unwrap_or_default();
    let base_path = match parse_base_path(&base_path) {
        Ok(base_path) => base_path,
        Err(error) => {
            log::error!("The app was not mounted because {BASE_PATH_ATTRIBUTE}={base_path:?} is invalid. {error}");
            return false;
        }
    };
    mount_to(host, move || view! { <App base_path /> }).forget();
    true
}
