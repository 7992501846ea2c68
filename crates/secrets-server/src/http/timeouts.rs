//! [`Timeouts`]: how long the server waits for a slow client or a slow
//! request before it gives up, so that no connection stays open forever and
//! shutdown finishes in bounded time.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{AppError, AppState};

/// Time limits of the server. [`Timeouts::default`] gives the values that
/// `secrets-server serve` uses unless its options change them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// Maximum time for a client to send a request's complete headers,
    /// counted from when the connection starts waiting for a request. It
    /// also closes idle keep-alive connections. Default: 10 seconds.
    pub header_read: Duration,
    /// Maximum pause between two parts of a request body. A body that
    /// stalls longer gets a 408 response. Default: 10 seconds.
    pub body_read: Duration,
    /// Maximum time from a request's headers to its response's headers,
    /// body reading included. A request that takes longer gets a 503
    /// response. Default: 30 seconds, longer than the store's 10-second wait
    /// for the database's write lock.
    pub request: Duration,
    /// Maximum time that requests in flight get to finish after a shutdown
    /// signal. The connections still open after it are closed. Default: 10
    /// seconds.
    pub shutdown: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            header_read: Duration::from_secs(10),
            body_read: Duration::from_secs(10),
            request: Duration::from_secs(30),
            shutdown: Duration::from_secs(10),
        }
    }
}

/// Middleware that responds 503 when the rest of the stack has not produced
/// a response within [`Timeouts::request`]. The handler's future is
/// dropped, but a store operation already running on the blocking thread
/// pool still finishes, because a thread cannot be stopped from outside.
pub(super) async fn limit_request_time(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let limit = state.timeouts.request;
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(
                limit_ms = limit.as_millis() as u64,
                "stopped a request that did not finish in time"
            );
            AppError::RequestTimeout.into_response()
        }
    }
}
