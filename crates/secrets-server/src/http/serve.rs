//! [`serve`]: the accept loop that runs [`app`] on HTTP/1.1 connections with
//! the header read timeout and the shutdown deadline of [`Timeouts`].
//!
//! `axum::serve` offers neither: it sets no timer, so hyper's header read
//! timeout never runs, and its graceful shutdown waits for every connection
//! however long the client takes.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

use super::{app, AppState, Timeouts};

/// Serves [`app`] on `listener` until `shutdown` completes, then gives the
/// requests in flight up to [`Timeouts::shutdown`] to finish and returns.
/// Connections still open at that deadline are closed when the caller's
/// runtime drops their tasks.
pub async fn serve(listener: TcpListener, state: AppState, shutdown: impl Future<Output = ()>) {
    let timeouts = state.timeouts;
    let router = app(state);
    let graceful = GracefulShutdown::new();

    // NOTE: hyper rejects a request with malformed framing, such as
    // `Content-Length: -1` or two different `Content-Length` headers, with
    // an empty 400 response before the router receives it. Such a response
    // has no JSON error body and none of the router's headers, and changing
    // that would need a fork of hyper's HTTP/1 parser.
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(timeouts.header_read);

    // Accept connections until the shutdown signal.
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                handle_accept_error(error).await;
                continue;
            }
        };
        let connection = builder.serve_connection(
            TokioIo::new(stream),
            TowerToHyperService::new(router.clone()),
        );
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                log_connection_error(&error, peer, timeouts);
            }
        });
    }

    // Stop accepting, then wait for the requests in flight, up to the
    // deadline. Idle connections close at once.
    drop(listener);
    let open = graceful.count();
    tracing::info!(
        open_connections = open,
        deadline_ms = timeouts.shutdown.as_millis() as u64,
        "stopped accepting connections; waiting for requests in flight"
    );
    tokio::select! {
        () = graceful.shutdown() => tracing::info!("all connections closed"),
        () = tokio::time::sleep(timeouts.shutdown) => tracing::warn!(
            deadline_ms = timeouts.shutdown.as_millis() as u64,
            "the shutdown deadline passed; closing the connections still open"
        ),
    }
}

/// Logs why a connection ended with an error. A header read timeout is
/// expected from slow or idle clients, so it is logged at the info level.
fn log_connection_error(error: &hyper::Error, peer: SocketAddr, timeouts: Timeouts) {
    if error.is_timeout() {
        tracing::info!(
            %peer,
            limit_ms = timeouts.header_read.as_millis() as u64,
            "closed a connection whose request headers did not arrive in time"
        );
    } else {
        tracing::debug!(%peer, %error, "connection ended with an error");
    }
}

/// Logs a failed `accept`. Errors that concern one connection are ignored.
/// Other errors, such as running out of file descriptors, pause the loop for
/// one second, which also limits the log to one line per second.
async fn handle_accept_error(error: io::Error) {
    if matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(%error, "failed to accept a connection; retrying in one second");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
