//! The HTTP layer: the REST API v1, the login link route and the SPA's
//! static files, on one router.
//!
//! Handlers parse requests into domain types, call the [`Store`] on the
//! blocking thread pool and map [`StoreError`]s to responses through
//! [`AppError`].

mod auth;
mod create_secret;
mod delete_secret;
mod error;
mod json_body;
mod list_secrets;
mod login;
mod spa;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{MatchedPath, Request};
use axum::handler::Handler;
use axum::http::header::{CACHE_CONTROL, REFERRER_POLICY};
use axum::http::HeaderValue;
use axum::response::Response;
use axum::routing::{any, delete, get};
use axum::Router;
use secrets_core::api::paths::{LOGIN_ROUTE, SECRETS_ROUTE, SECRET_ROUTE};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use tracing::Span;

use crate::store::{Store, StoreError};

pub use auth::{authorize, SESSION_COOKIE};
pub use error::AppError;
pub use json_body::MAX_BODY_BYTES;

/// State shared by every handler.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The database and master key.
    pub store: Arc<Store>,
    /// Directory of the built SPA, served for every path outside the API.
    pub dist_dir: Arc<PathBuf>,
}

impl AppState {
    /// Creates the state from an open store and the SPA's directory.
    pub fn new(store: Store, dist_dir: PathBuf) -> Self {
        Self {
            store: Arc::new(store),
            dist_dir: Arc::new(dist_dir),
        }
    }
}

/// Builds the router: the API under `/api`, `/login`, and the SPA for
/// every other path.
pub fn app(state: AppState) -> Router {
    // Files of the built SPA; any other path outside the API gets index.html.
    let spa_files = ServeDir::new(state.dist_dir.as_path())
        .fallback(spa::serve_index.with_state(state.clone()));

    let no_store =
        SetResponseHeaderLayer::overriding(CACHE_CONTROL, HeaderValue::from_static("no-store"));

    let api = Router::new()
        .route(
            SECRETS_ROUTE,
            get(list_secrets::list_secrets).post(create_secret::create_secret),
        )
        .route(SECRET_ROUTE, delete(delete_secret::delete_secret))
        .route("/api", any(error::api_not_found))
        .route("/api/{*rest}", any(error::api_not_found))
        .method_not_allowed_fallback(error::method_not_allowed);

    // The login route carries a token in its query, so its page must not
    // leak the URL through the Referer header, nor be cached.
    let login = Router::new().route(LOGIN_ROUTE, get(login::login)).layer(
        SetResponseHeaderLayer::overriding(
            REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
    );

    Router::new()
        .merge(api)
        .merge(login)
        .layer(no_store)
        .fallback_service(spa_files)
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_request(())
                .on_response(log_response)
                // A 5xx is logged once, with its ids, by `AppError`.
                .on_failure(()),
        )
        .with_state(state)
}

/// Creates the span of one request: the method and the matched route
/// pattern. The raw URI is left out because a login link's query holds its
/// token; outside the routes only the path is recorded.
fn request_span(request: &Request) -> Span {
    let route = match request.extensions().get::<MatchedPath>() {
        Some(matched) => matched.as_str(),
        None => request.uri().path(),
    };
    tracing::info_span!("request", method = %request.method(), route = %route)
}

fn log_response(response: &Response, latency: Duration, _span: &Span) {
    tracing::info!(
        status = response.status().as_u16(),
        latency_ms = latency.as_millis() as u64,
        "request finished"
    );
}

/// Runs a blocking store operation on tokio's blocking thread pool.
async fn run_blocking<T: Send + 'static>(
    state: &AppState,
    operation: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    let store = Arc::clone(&state.store);
    tokio::task::spawn_blocking(move || operation(&store))
        .await
        .unwrap_or(Err(StoreError::TaskFailed))
}
