//! The options of [`mount`](super::mount), read from the JavaScript object
//! that a shell passes, and the base path of the routed app.
//!
//! A property whose value is `undefined` counts as absent, as in most
//! JavaScript APIs. Every other mistake is an [`OptionsError`], whose
//! `Display` names the option and what it expects.

use std::fmt;

use js_sys::{Array, Object, Reflect};
use secrets_core::CompanyId;
use wasm_bindgen::{JsCast, JsValue};
use zeroize::Zeroizing;

use super::Theme;

/// The names of all options, in the order that the documentation lists
/// them.
const OPTION_NAMES: [&str; 6] = [
    "company",
    "apiBase",
    "token",
    "showSignOut",
    "theme",
    "basePath",
];

/// Content of a mounted section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MountTarget {
    /// The section of this company.
    Company(CompanyId),
    /// The routed app below this base path (empty for none), which takes
    /// the company from the page's path.
    BasePath(String),
}

/// The options of [`mount`](super::mount), validated. `Debug` hides the
/// token.
pub struct MountOptions {
    /// Content of the section, set by `company` or `basePath`.
    pub target: MountTarget,
    /// Origin and path prefix of the REST API; empty for the page's origin.
    pub api_base: String,
    /// Bearer token that every request sends; `None` relies on the
    /// same-origin session cookie.
    pub token: Option<Zeroizing<String>>,
    /// Whether the section shows its Sign out button.
    pub show_sign_out: bool,
    /// The colour theme.
    pub theme: Theme,
}

impl fmt::Debug for MountOptions {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("MountOptions")
            .field("target", &self.target)
            .field("api_base", &self.api_base)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("show_sign_out", &self.show_sign_out)
            .field("theme", &self.theme)
            .finish()
    }
}

/// Reason why [`mount`](super::mount) rejected its options. `Display` is
/// the message of the JavaScript `Error` that it throws.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OptionsError {
    /// The options are not a plain object.
    #[error("Invalid options: expected an object such as {{ company: \"acme\" }}, got {got}.")]
    NotAnObject {
        /// Description of the value passed.
        got: String,
    },

    /// The object has a property that is not an option, often a typo.
    #[error(
        "Unknown option {name}. The options are company, apiBase, token, showSignOut, theme and basePath."
    )]
    Unknown {
        /// The property's name.
        name: String,
    },

    /// An option has a value of the wrong type or form.
    #[error("Invalid option {name}: expected {expected}, got {got}.")]
    Invalid {
        /// The option's name.
        name: &'static str,
        /// Description of the values that the option accepts.
        expected: &'static str,
        /// Description of the value passed.
        got: String,
    },

    /// The token is not a string of visible ASCII characters. The message
    /// does not repeat the token.
    #[error("Invalid option token: expected the bearer token as a non-empty string of visible ASCII characters.")]
    InvalidToken,

    /// Neither `company` nor `basePath` was given.
    #[error("Missing option company: expected a company ID such as \"acme\", or basePath to take the company from the page's path.")]
    MissingCompany,

    /// Both `company` and `basePath` were given.
    #[error("Invalid options: company and basePath exclude each other. Pass company for one company's section, or basePath to take the company from the page's path.")]
    CompanyAndBasePath,
}

const COMPANY_EXPECTED: &str =
    "a company ID of 1 to 63 characters of a-z, 0-9 and hyphens, such as \"acme\"";
const API_BASE_EXPECTED: &str =
    "an http or https URL such as \"https://secrets.example.com\", a path such as \"/secrets\", or \"\" for the page's origin";
const SHOW_SIGN_OUT_EXPECTED: &str = "true or false";
const THEME_EXPECTED: &str = "\"light\", \"dark\" or \"auto\"";
const BASE_PATH_EXPECTED: &str =
    "a path that starts with / such as \"/dashboard\", without ? or #, or \"\" for none";

impl MountOptions {
    /// Reads and validates the options object that a shell passed.
    pub fn from_js(options: &JsValue) -> Result<Self, OptionsError> {
        if !options.is_object() || Array::is_array(options) {
            return Err(OptionsError::NotAnObject {
                got: describe(options),
            });
        }
        let object: &Object = options.unchecked_ref();
        for name in Object::keys(object).iter() {
            let name = name.as_string().unwrap_or_default();
            if !OPTION_NAMES.contains(&name.as_str()) {
                return Err(OptionsError::Unknown { name });
            }
        }

        let company = match string_option(object, "company", COMPANY_EXPECTED)? {
            Some(company) => {
                Some(
                    CompanyId::parse(&company).map_err(|_| OptionsError::Invalid {
                        name: "company",
                        expected: COMPANY_EXPECTED,
                        got: describe(&JsValue::from_str(&company)),
                    })?,
                )
            }
            None => None,
        };
        let base_path = match string_option(object, "basePath", BASE_PATH_EXPECTED)? {
            Some(path) => Some(parse_base_path(&path).map_err(|_| OptionsError::Invalid {
                name: "basePath",
                expected: BASE_PATH_EXPECTED,
                got: format!("{path:?}"),
            })?),
            None => None,
        };
        let target = match (company, base_path) {
            (Some(company), None) => MountTarget::Company(company),
            (None, Some(base_path)) => MountTarget::BasePath(base_path),
            (None, None) => return Err(OptionsError::MissingCompany),
            (Some(_), Some(_)) => return Err(OptionsError::CompanyAndBasePath),
        };

        let api_base = string_option(object, "apiBase", API_BASE_EXPECTED)?.unwrap_or_default();
        if !is_api_base(&api_base) {
            return Err(OptionsError::Invalid {
                name: "apiBase",
                expected: API_BASE_EXPECTED,
                got: format!("{api_base:?}"),
            });
        }

        Ok(Self {
            target,
            api_base,
            token: token_option(object)?,
            show_sign_out: typed_option(
                object,
                "showSignOut",
                SHOW_SIGN_OUT_EXPECTED,
                JsValue::as_bool,
            )?
            .unwrap_or(false),
            theme: theme_option(object)?.unwrap_or_default(),
        })
    }
}

/// Reads a theme, for the `theme` option and the handle's `setTheme`.
pub fn parse_theme(value: &JsValue) -> Result<Theme, OptionsError> {
    let invalid = || OptionsError::Invalid {
        name: "theme",
        expected: THEME_EXPECTED,
        got: describe(value),
    };
    value
        .as_string()
        .ok_or_else(invalid)?
        .parse()
        .map_err(|_| invalid())
}

/// The error for a base path that [`parse_base_path`] rejects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("The base path must be empty or start with /, such as /dashboard, and contain no ?, #, \\, // or spaces.")]
pub struct InvalidBasePath;

/// Validates a base path: empty, or `/` followed by path segments, with no
/// `?`, `#`, `\`, empty segment, whitespace or control character.
/// Browsers read `\` as `/` in http URLs, so `/\host` would name another
/// host, as `//host` does. A trailing `/`
/// is dropped, so `/dashboard/` becomes `/dashboard` and `/` becomes the
/// empty base path.
pub fn parse_base_path(path: &str) -> Result<String, InvalidBasePath> {
    let trimmed = path.strip_suffix('/').unwrap_or(path);
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    let has_invalid_character = trimmed
        .chars()
        .any(|character| character.is_whitespace() || character.is_control())
        || trimmed.contains(['?', '#', '\\']);
    if !trimmed.starts_with('/') || trimmed.contains("//") || has_invalid_character {
        return Err(InvalidBasePath);
    }
    Ok(trimmed.to_owned())
}

/// Returns the object's own property `name`, or `None` when it is
/// `undefined` or only inherited. An inherited property is ignored, so that
/// a polluted `Object.prototype` cannot set where requests go.
fn property(object: &Object, name: &'static str) -> Result<Option<JsValue>, OptionsError> {
    if !Object::has_own(object, &JsValue::from_str(name)) {
        return Ok(None);
    }
    let value =
        Reflect::get(object, &JsValue::from_str(name)).map_err(|_| OptionsError::Invalid {
            name,
            expected: "a readable property",
            got: "a getter that threw".to_owned(),
        })?;
    Ok((!value.is_undefined()).then_some(value))
}

/// Returns the property `name` converted by `convert`, `None` when it is
/// `undefined`, or an error when `convert` does not accept its type.
fn typed_option<T>(
    object: &Object,
    name: &'static str,
    expected: &'static str,
    convert: impl FnOnce(&JsValue) -> Option<T>,
) -> Result<Option<T>, OptionsError> {
    let Some(value) = property(object, name)? else {
        return Ok(None);
    };
    match convert(&value) {
        Some(converted) => Ok(Some(converted)),
        None => Err(OptionsError::Invalid {
            name,
            expected,
            got: describe(&value),
        }),
    }
}

fn string_option(
    object: &Object,
    name: &'static str,
    expected: &'static str,
) -> Result<Option<String>, OptionsError> {
    typed_option(object, name, expected, JsValue::as_string)
}

fn theme_option(object: &Object) -> Result<Option<Theme>, OptionsError> {
    property(object, "theme")?
        .map(|value| parse_theme(&value))
        .transpose()
}

/// Reads the token. Its errors never contain the value, because a token
/// that is only slightly malformed is still a credential.
fn token_option(object: &Object) -> Result<Option<Zeroizing<String>>, OptionsError> {
    let Some(value) = property(object, "token")? else {
        return Ok(None);
    };
    let token = Zeroizing::new(value.as_string().ok_or(OptionsError::InvalidToken)?);
    let is_visible_ascii = |character: char| character.is_ascii_graphic();
    if token.is_empty() || !token.chars().all(is_visible_ascii) {
        return Err(OptionsError::InvalidToken);
    }
    Ok(Some(token))
}

/// Tells whether `base` can prefix the API's paths: empty, an absolute
/// path, or an http or https URL without query or fragment.
fn is_api_base(base: &str) -> bool {
    if base.is_empty() {
        return true;
    }
    // `parse_base_path` also rejects `//host`, a URL relative to the
    // page's scheme.
    if base.starts_with('/') {
        return parse_base_path(base).is_ok();
    }
    let Ok(url) = web_sys::Url::new(base) else {
        return false;
    };
    let protocol = url.protocol();
    (protocol == "http:" || protocol == "https:")
        && url.search().is_empty()
        && url.hash().is_empty()
        && !base.contains(['?', '#'])
}

/// Describes a JavaScript value for an error message: a string in quotes,
/// a number or boolean as written, and the kind of anything else.
pub(super) fn describe(value: &JsValue) -> String {
    if let Some(text) = value.as_string() {
        // A long string is cut, so that the message stays readable.
        const SHOWN_CHARS_MAX: usize = 80;
        if text.chars().count() > SHOWN_CHARS_MAX {
            let start: String = text.chars().take(SHOWN_CHARS_MAX).collect();
            return format!("{start:?}… ({} characters)", text.chars().count());
        }
        return format!("{text:?}");
    }
    if let Some(number) = value.as_f64() {
        // JavaScript's own formatting, as the caller wrote the number. It
        // also keeps Rust's float formatting out of the bundle, which made
        // the wasm 6.8 KiB of brotli smaller.
        if let Ok(text) = js_sys::Number::from(number).to_string_with_radix(10) {
            return text.into();
        }
    }
    if let Some(flag) = value.as_bool() {
        return flag.to_string();
    }
    if value.is_undefined() {
        return "undefined".to_owned();
    }
    if value.is_null() {
        return "null".to_owned();
    }
    if Array::is_array(value) {
        return "an array".to_owned();
    }
    if value.is_function() {
        return "a function".to_owned();
    }
    "an object".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn base_path_accepts_paths() {
        let cases = [
            ("", ""),
            ("/", ""),
            ("/dashboard", "/dashboard"),
            ("/dashboard/", "/dashboard"),
            ("/shell/app-1", "/shell/app-1"),
        ];
        for (path, expected) in cases {
            assert_eq!(parse_base_path(path).as_deref(), Ok(expected), "{path:?}");
        }
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn base_path_rejects_non_paths() {
        let cases = [
            "dashboard",
            "//evil.example.com",
            "/\\evil.example.com",
            "/a/\\b",
            "/a//b",
            "/dash board",
            "/dashboard?x=1",
            "/dashboard#top",
            "/tab\tbed",
            "https://example.com/dashboard",
        ];
        for path in cases {
            assert_eq!(parse_base_path(path), Err(InvalidBasePath), "{path:?}");
        }
    }
}
