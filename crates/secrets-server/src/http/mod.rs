//! The HTTP layer: one router and the accept loop that serves it. The
//! router contains the REST API v1, the login link route and the SPA's static
//! files. The API has the dashboard's routes, and the routes with which
//! runners start tasks and tasks read their secrets.
//!
//! Handlers parse requests into domain types, call the [`Store`] on the
//! blocking thread pool and map [`StoreError`]s to responses through
//! [`AppError`].

mod activity;
mod auth;
mod create_secret;
mod delete_secret;
mod error;
mod finish_task;
mod health;
mod html;
mod import_secrets;
mod json_body;
mod list_secrets;
mod login;
mod login_pages;
mod openapi;
mod public_key;
mod rate_limit;
mod same_origin;
mod security_headers;
mod serve;
mod session;
mod spa;
mod start_task;
mod task_auth;
mod task_catalog;
mod task_secrets;
mod timeouts;
mod update_secret;
mod zeroizing;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{MatchedPath, Request};
use axum::handler::Handler;
use axum::http::header::{CACHE_CONTROL, VARY};
use axum::http::HeaderValue;
use axum::middleware;
use axum::response::Response;
use axum::routing::{any, get};
use axum::{Extension, Router};
use secrets_core::api::paths::LOGIN_ROUTE;
use tower::Layer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;
use tracing::Span;

use crate::store::{run_as_blocking_task, Store, StoreError};

pub use auth::{authorize, SESSION_COOKIE};
pub use error::AppError;
pub use import_secrets::MAX_IMPORT_BODY_BYTES;
pub use json_body::MAX_BODY_BYTES;
pub use rate_limit::{RateLimiter, TaskRateLimit, WriteRateLimit};
pub use same_origin::{verify_same_origin, CrossOriginRequest};
pub use security_headers::{FrameAncestor, InvalidOrigin, SecurityHeaders};
pub use serve::serve;
pub use task_auth::RunnerRejection;
pub use timeouts::Timeouts;

/// How long a task and its token work unless `--task-lifetime` changes it:
/// 24 hours.
pub const DEFAULT_TASK_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// State shared by every handler.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The database and master key.
    pub store: Arc<Store>,
    /// Directory of the built SPA, served for every path outside the API.
    pub dist_dir: Arc<PathBuf>,
    /// Time limits for slow clients, slow requests and shutdown.
    pub timeouts: Timeouts,
    /// Per-member limit on changes.
    pub rate_limiter: Arc<RateLimiter>,
    /// Per-runner limit on task starts.
    pub task_rate_limiter: Arc<RateLimiter>,
    /// How long a task and its token work after the task started.
    pub task_lifetime: Duration,
    /// Security headers of every response, with the sites that may frame
    /// the pages.
    pub security_headers: Arc<SecurityHeaders>,
}

impl AppState {
    /// Creates the state from an open store and the SPA's directory, with
    /// the default [`Timeouts`], [`WriteRateLimit`], [`TaskRateLimit`] and
    /// [`DEFAULT_TASK_LIFETIME`].
    pub fn new(store: Store, dist_dir: PathBuf) -> Self {
        Self {
            store: Arc::new(store),
            dist_dir: Arc::new(dist_dir),
            timeouts: Timeouts::default(),
            rate_limiter: Arc::new(RateLimiter::new(WriteRateLimit::default())),
            task_rate_limiter: Arc::new(RateLimiter::for_task_starts(TaskRateLimit::default())),
            task_lifetime: DEFAULT_TASK_LIFETIME,
            security_headers: Arc::new(SecurityHeaders::default()),
        }
    }

    /// Replaces the limit on task starts.
    pub fn with_task_rate_limit(mut self, limit: TaskRateLimit) -> Self {
        self.task_rate_limiter = Arc::new(RateLimiter::for_task_starts(limit));
        self
    }

    /// Replaces how long a task and its token work.
    pub fn with_task_lifetime(mut self, lifetime: Duration) -> Self {
        self.task_lifetime = lifetime;
        self
    }

    /// Replaces the write rate limit.
    pub fn with_write_rate_limit(mut self, limit: WriteRateLimit) -> Self {
        self.rate_limiter = Arc::new(RateLimiter::new(limit));
        self
    }

    /// Replaces the time limits.
    pub fn with_timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// Lets exactly these origins show the pages in a frame. Without this
    /// call, or with an empty list, no site may.
    pub fn with_frame_ancestors(mut self, frame_ancestors: &[FrameAncestor]) -> Self {
        self.security_headers = Arc::new(SecurityHeaders::new(frame_ancestors));
        self
    }
}

/// Builds the router: the API under `/api`, `/login`, and the SPA for
/// every other path.
pub fn app(state: AppState) -> Router {
    // Files of the built SPA; any other path outside the API gets index.html.
    // The build writes a brotli and a gzip copy of each asset, which are
    // sent to browsers that accept them.
    let spa_files = ServeDir::new(state.dist_dir.as_path())
        .precompressed_br()
        .precompressed_gzip()
        .fallback(spa::serve_index.with_state(state.clone()));
    let spa_files =
        middleware::from_fn_with_state(state.clone(), spa::serve_index_for_unnameable_paths)
            .layer(spa_files);
    let spa_files = middleware::from_fn(spa::allow_inline_scripts).layer(spa_files);
    let spa_files = middleware::from_fn(spa::set_cache_lifetime).layer(spa_files);
    // The file service picks the brotli, gzip or plain copy from the
    // request's Accept-Encoding, so a shared cache must key its copies on
    // that header. Without `Vary`, it could send a stored brotli copy of an
    // immutable file to clients that cannot decode it.
    let spa_files =
        SetResponseHeaderLayer::appending(VARY, HeaderValue::from_static("accept-encoding"))
            .layer(spa_files);

    // Every response of the API, login and health routes is `no-store`,
    // unless its handler set another policy, as the OpenAPI document does.
    let no_store =
        SetResponseHeaderLayer::if_not_present(CACHE_CONTROL, HeaderValue::from_static("no-store"));

    // The API routes and the health checks, from the same list as the
    // OpenAPI document.
    let (documented, document) = openapi::documented_routes().split_for_parts();
    let api = documented
        .layer(Extension(openapi::Document::new(&document)))
        .route("/api", any(error::api_not_found))
        .route("/api/{*rest}", any(error::api_not_found))
        .method_not_allowed_fallback(error::method_not_allowed);

    // An HTML form, outside the document.
    let login = Router::new().route(
        LOGIN_ROUTE,
        get(login::show_login_page).post(login::sign_in),
    );

    Router::new()
        .merge(api)
        .merge(login)
        .layer(no_store)
        .fallback_service(spa_files)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            timeouts::limit_request_time,
        ))
        .layer(RequestBodyTimeoutLayer::new(state.timeouts.body_read))
        // Headers for every response, the SPA's files and error pages
        // included: the content security policy, framing, content type
        // sniffing and Referer.
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state.security_headers),
            security_headers::set_security_headers,
        ))
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
/// pattern. The raw URI is left out because a login link's query contains its
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
    tokio::task::spawn_blocking(move || run_as_blocking_task(|| operation(&store)))
        .await
        .unwrap_or(Err(StoreError::TaskFailed))
}
