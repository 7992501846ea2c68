//! The OpenAPI 3.1 document of the REST API and the route that serves it.
//!
//! [`documented_routes`] is the one list of the API's routes: the router
//! takes its routes from it and the document takes its paths from it, so
//! every route registered there is documented. Each handler's
//! `#[utoipa::path]` attribute states its method, path, parameters, bodies
//! and every status it returns. The routes outside this list are the
//! fallbacks for unknown API paths and the HTML login page.

use std::sync::Arc;

use axum::body::Bytes;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use secrets_core::api::paths::OPENAPI_ROUTE;
use secrets_core::api::ErrorBody;
use sha2::{Digest, Sha256};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::RefOr;
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{
    activity, auth, create_secret, delete_secret, finish_task, health, import_secrets,
    list_secrets, public_key, session, start_task, task_catalog, task_secrets, update_secret,
    AppState,
};

/// The document's fixed parts: its description and security schemes. The
/// paths and schemas come from [`documented_routes`].
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Secrets API",
        version = "1",
        description = "The REST API of the Secrets section: members manage a company's secrets, runners start tasks, and tasks read their secrets. Every error response is an `ErrorBody`. Every response but this document's carries `Cache-Control: no-store`."
    ),
    tags(
        (name = "secrets", description = "A company's secrets, public key and activity, for members."),
        (name = "tasks", description = "Task starts by runners, and the routes of a running task."),
        (name = "session", description = "The browser session."),
        (name = "health", description = "Liveness and readiness checks, without credentials."),
        (name = "openapi", description = "This document."),
    ),
    modifiers(&SecuritySchemes)
)]
struct ApiDocument;

/// Returns every documented route with its handler. Register a new API
/// route here, with a `#[utoipa::path]` attribute on its handler, and the
/// document lists it.
pub(super) fn documented_routes() -> OpenApiRouter<AppState> {
    // `routes!` registers one path; handlers of the same path share a call.
    let mut router = OpenApiRouter::with_openapi(ApiDocument::openapi())
        .routes(routes!(
            list_secrets::list_secrets,
            create_secret::create_secret
        ))
        .routes(routes!(import_secrets::import_secrets))
        .routes(routes!(
            update_secret::update_secret,
            delete_secret::delete_secret
        ))
        .routes(routes!(activity::list_activity))
        .routes(routes!(public_key::public_key))
        .routes(routes!(start_task::start_task))
        .routes(routes!(task_secrets::task_secrets))
        .routes(routes!(task_catalog::task_catalog))
        .routes(routes!(finish_task::finish_task))
        .routes(routes!(session::end_session))
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(openapi_document));

    // The schemas exist only now that the routes have added them.
    SentErrorCodes.modify(router.get_openapi_mut());
    router
}

/// The serialized document with its entity tag, built once per router.
#[derive(Debug)]
pub(super) struct Document {
    json: Bytes,
    etag: HeaderValue,
}

impl Document {
    /// Serializes `openapi` and derives its entity tag from a SHA-256 hash
    /// of the JSON, so that the tag changes whenever the document does.
    pub(super) fn new(openapi: &utoipa::openapi::OpenApi) -> Arc<Self> {
        // The document contains only strings, numbers, lists and maps with
        // string keys, which serde_json serializes without error.
        let json = serde_json::to_vec(openapi).unwrap_or_else(|error| {
            tracing::error!(%error, "failed to serialize the OpenAPI document");
            Vec::new()
        });
        let hash = Sha256::digest(&json);
        let etag = format!("\"{}\"", hex::encode(&hash[..16]));
        Arc::new(Self {
            json: Bytes::from(json),
            etag: HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"\"")),
        })
    }

    /// Returns `true` when the `If-None-Match` header names this document's
    /// tag or `*`. Weak tags match too, as RFC 9110, section 13.1.2, asks
    /// for `If-None-Match`.
    fn matches(&self, headers: &HeaderMap) -> bool {
        let etag = self.etag.to_str().unwrap_or_default();
        headers
            .get_all(IF_NONE_MATCH)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(|tag| tag.trim())
            .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
    }
}

/// Returns this OpenAPI document. Clients may cache it, but must revalidate
/// it with `If-None-Match`, because it changes with the server's version.
#[utoipa::path(
    get,
    path = OPENAPI_ROUTE,
    tag = "openapi",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document of this API.", content_type = "application/json", body = Object,
            headers(("ETag" = String, description = "Entity tag of the document."))),
        (status = 304, description = "The document has not changed since the client fetched the version that `If-None-Match` names."),
        (status = 503, description = "The request took longer than the server's request timeout: `internal`.", body = ErrorBody),
    ),
)]
pub(super) async fn openapi_document(
    Extension(document): Extension<Arc<Document>>,
    headers: HeaderMap,
) -> Response {
    let mut response = if document.matches(&headers) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut response = document.json.clone().into_response();
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    };
    let response_headers = response.headers_mut();
    response_headers.insert(ETAG, document.etag.clone());
    response_headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// Adds the four credentials of the API as security schemes.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let bearer = |description: &str| {
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(description))
                    .build(),
            )
        };
        components.add_security_scheme(
            "member_token",
            bearer("A member's API token, issued with `secrets-server token issue`."),
        );
        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                auth::SESSION_COOKIE,
                "A browser session, started by a login link. A change must come from the server's own origin.",
            ))),
        );
        components.add_security_scheme(
            "runner_token",
            bearer("A runner token of one company, issued with `secrets-server runner issue`."),
        );
        components.add_security_scheme(
            "task_token",
            bearer("The token of one task, from the response that started it."),
        );
    }
}

/// Removes `unknown` from the values of `ErrorCode`: clients use it for
/// codes they do not know, and the server never sends it.
struct SentErrorCodes;

impl Modify for SentErrorCodes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let schema = openapi
            .components
            .as_mut()
            .and_then(|components| components.schemas.get_mut("ErrorCode"));
        if let Some(RefOr::T(Schema::Object(object))) = schema {
            if let Some(values) = object.enum_values.as_mut() {
                values.retain(|value| value != "unknown");
            }
        }
    }
}
