//! The SPA's static files, served for every path outside the API.

use std::io::ErrorKind;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED,
};
use axum::http::{HeaderValue, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use super::html::{escape_html, page};
use super::security_headers::InlineScriptHashes;
use super::AppState;

/// Largest HTML file of the SPA's build that the server sends. The
/// index.html that trunk writes has about 1.5 KB. The limit only bounds the
/// memory that hashing an HTML file takes.
const MAX_HTML_BYTES: usize = 1024 * 1024;

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
            read_failed_response()
        }
    }
}

/// Maximum length of a file name on Linux file systems, in bytes
/// (`NAME_MAX`).
const MAX_FILE_NAME_BYTES: usize = 255;

/// Maximum length of a path on Linux, in bytes (`PATH_MAX`).
const MAX_PATH_BYTES: usize = 4096;

/// Middleware before the SPA's files that sends index.html for a path that
/// cannot name a file, without looking it up. The file system rejects such
/// a path with an error other than "not found", which the file service
/// would turn into a 500, while the path may still be a client route.
pub(super) async fn serve_index_for_unnameable_paths(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let longest_segment = path.split('/').map(str::len).max().unwrap_or(0);
    if longest_segment > MAX_FILE_NAME_BYTES || path.len() > MAX_PATH_BYTES {
        let uri = request.uri().clone();
        return serve_index(State(state), uri).await;
    }
    next.run(request).await
}

/// Middleware around the SPA's files that lets the inline scripts of its
/// HTML files run under the content security policy. It hashes each HTML
/// file that it sends with status 200, from the bytes sent, so a rebuild
/// of the SPA needs no restart. Pages that the server renders itself do not
/// pass through it, so no script that reaches them from request data is
/// allowed.
pub(super) async fn allow_inline_scripts(mut request: Request, next: Next) -> Response {
    // A 304 response has no body to hash, and a browser copies its headers
    // onto the cached page (RFC 9111, section 4.3.4), so a policy without
    // the hashes would block the cached page's scripts. HTML files are
    // therefore sent without validators and always in full, also to a
    // browser that kept a validator from an older version of the server.
    if may_be_html(request.uri().path()) {
        request.headers_mut().remove(IF_MODIFIED_SINCE);
        request.headers_mut().remove(IF_NONE_MATCH);
    }

    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    if response.status() != StatusCode::OK || !is_html(&response) {
        return response;
    }

    let (mut parts, body) = response.into_parts();
    let html = match axum::body::to_bytes(body, MAX_HTML_BYTES).await {
        Ok(html) => html,
        Err(error) => {
            tracing::error!(%error, %path, max_bytes = MAX_HTML_BYTES, "failed to read an HTML file of the SPA");
            return read_failed_response();
        }
    };
    parts.extensions.insert(InlineScriptHashes::of_html(&html));
    parts.headers.remove(LAST_MODIFIED);
    parts.headers.remove(ETAG);
    // index.html names the build's asset files, which change with each
    // build, so a browser must not use a stored copy without asking.
    parts
        .headers
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Response::from_parts(parts, Body::from(html))
}

/// Middleware around the SPA's files that sets how long browsers may keep
/// them.
///
/// - A file whose name has no content hash, such as the shells' entry
///   `embed/secrets-section.js`, is sent with `Cache-Control: no-cache`,
///   so browsers revalidate it. Such a file keeps its name across builds
///   while it names the build's hashed files, so a copy used without
///   asking could load the files of an old build.
/// - Trunk's hashed files change their name with their content, so they
///   are sent as immutable for a year: a page loaded again takes them
///   from the cache without a request.
pub(super) async fn set_cache_lifetime(request: Request, next: Next) -> Response {
    let hashed = is_content_hashed(request.uri().path());
    let mut response = next.run(request).await;
    let status = response.status();
    let cacheable = status == StatusCode::OK || status == StatusCode::NOT_MODIFIED;
    if cacheable && !response.headers().contains_key(CACHE_CONTROL) {
        let policy = if hashed {
            HASHED_FILE_CACHE_CONTROL
        } else {
            "no-cache"
        };
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    response
}

/// `Cache-Control` of a file with a content hash in its name.
const HASHED_FILE_CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

/// Tells whether the file name at the end of `path` contains a content hash
/// as trunk writes it: a `-` and lowercase hexadecimal digits before the
/// extension or before `_bg`, as in `secrets-section-81dcddac8a0faac0.js`.
/// Trunk 0.21 writes a 64-bit hash without leading zeros, so it has up to
/// 16 digits. Fewer than 8 digits are taken as part of a stable name,
/// because a 64-bit hash that short occurs once in about 69 billion
/// builds (2^36).
fn is_content_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    name.match_indices('-').any(|(index, _)| {
        let after_dash = &name[index + 1..];
        let digits = after_dash
            .bytes()
            .take_while(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
            .count();
        (8..=16).contains(&digits) && matches!(after_dash.as_bytes().get(digits), Some(b'.' | b'_'))
    })
}

/// Tells whether the SPA service may respond to `path` with an HTML file: a
/// directory's index.html or a file named `*.html` or `*.htm`. Paths
/// without an extension get index.html from [`serve_index`], which never
/// sends a 304.
fn may_be_html(path: &str) -> bool {
    let path = path.to_ascii_lowercase();
    path.ends_with('/') || path.ends_with(".html") || path.ends_with(".htm")
}

fn is_html(response: &Response) -> bool {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.to_ascii_lowercase().starts_with("text/html"))
}

fn read_failed_response() -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Html("<!doctype html><p>The server failed to read the app's files; check the server log.</p>"),
    )
        .into_response()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_hash_in_trunk_names() {
        for path in [
            "/secrets-section-81dcddac8a0faac0.js",
            "/secrets-section-81dcddac8a0faac0_bg.wasm",
            "/section-9b7668f521dbe4d2.css",
            "/assets/favicon-9c52b436814e6704.svg",
            "/secrets-section-f526fe2924f0c35_bg.wasm",
            "/page-12345678.css",
        ] {
            assert!(is_content_hashed(path), "{path}");
        }
    }

    #[test]
    fn content_hash_absent_from_stable_names() {
        for path in [
            "/embed/secrets-section.js",
            "/embed/secrets-section.css",
            "/demo/",
            "/demo/shell.js",
            "/shell-2.js",
            "/secrets-section-1234567.js",
            "/secrets-section-81dcddac8a0faac0f.js",
            "/secrets-section-81DCDDAC8A0FAAC0.js",
            "/81dcddac8a0faac0-dir/app.js",
        ] {
            assert!(!is_content_hashed(path), "{path}");
        }
    }
}
