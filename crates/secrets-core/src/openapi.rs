//! JSON Schemas of the validated text types, for the server's OpenAPI
//! document. The derive of `utoipa::ToSchema` cannot state a length limit
//! on a newtype, so these two schemas are written by hand from the same
//! constants that validation uses.

use std::borrow::Cow;

use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use crate::{Description, SecretKey, DESCRIPTION_MAX_CHARS, KEY_MAX_CHARS};

impl PartialSchema for SecretKey {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "A secret's key: A-Z, 0-9 and underscores, starting with a letter. Keys that name environment variables which change how programs run, such as PATH or LD_PRELOAD, are reserved.",
            ))
            .min_length(Some(1))
            .max_length(Some(KEY_MAX_CHARS))
            .pattern(Some("^[A-Z][A-Z0-9_]*$"))
            .examples(["STRIPE_API_KEY"])
            .into()
    }
}

impl ToSchema for SecretKey {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("SecretKey")
    }
}

impl PartialSchema for Description {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "A plain-text note on one line; empty when there is none. Control characters, line and paragraph separators and text-direction controls are rejected.",
            ))
            .max_length(Some(DESCRIPTION_MAX_CHARS))
            .pattern(Some(DESCRIPTION_PATTERN))
            .examples(["For payments"])
            .into()
    }
}

impl ToSchema for Description {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Description")
    }
}

/// The characters that `Description::parse` rejects, as a regular
/// expression: controls (U+0000 to U+001F, U+007F to U+009F), the line and
/// paragraph separators, and the direction controls.
const DESCRIPTION_PATTERN: &str = r"^[^\x00-\x1F\x7F-\x9F\u2028\u2029\u202A-\u202E\u2066-\u2069]*$";
