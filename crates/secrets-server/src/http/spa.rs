//! The SPA's static files, served for every path outside the API.

use std::io::ErrorKind;

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};

use super::html::{escape_html, page};
use super::AppState;

/// Serves `index.html` for a path that matches no file, so that the SPA's
/// client-side routes such as `/companies/acme/settings/secrets` load the
/// app. Responds 503 with a page that explains how to build the app when the
/// file is missing.
pub(super) async fn serve_index(State(state): State<AppState>, uri: Uri) -> Response {
    // A missing file with an extension is a missing asset, not a client
    // route, and serving index.html for it would hide the real problem.
    let last_segment = uri.path().rsplit('/').next().unwrap_or_default();
    if last_segment.contains('.') {
        return (StatusCode::NOT_FOUND, "File not found.").into_response();
    }

    let index_path = state.dist_dir.join("index.html");
    match tokio::fs::read(&index_path).await {
        Ok(bytes) => ([(CONTENT_TYPE, "text/html; charset=utf-8")], bytes).into_response(),
        Err(error) if error.kind() == ErrorKind::NotFound => {
            tracing::warn!(path = %index_path.display(), "the SPA is not built: index.html is missing");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Html(not_built_page(&index_path.display().to_string())),
            )
                .into_response()
        }
        Err(error) => {
            tracing::error!(path = %index_path.display(), %error, "failed to read the SPA's index.html");
            (StatusCode::INTERNAL_SERVER_ERROR, Html("<!doctype html><p>The server failed to read the app's files; check the server log.</p>"))
                .into_response()
        }
    }
}

fn not_built_page(index_path: &str) -> String {
    let index_path = escape_html(index_path);
    page(
        "App not built",
        &format!(
            r#"<h1>The web app is not built</h1>
<p>The server found no <code>{index_path}</code>. Build the SPA (for example with <code>trunk build --release</code> at the repository root), or start the server with <code>--dist-dir</code> pointing at the built files, then reload this page.</p>"#
        ),
    )
}
