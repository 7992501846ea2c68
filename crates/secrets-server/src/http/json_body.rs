//! [`JsonBody`]: a JSON request body extractor whose every rejection is an
//! [`AppError`], so clients never receive axum's plain-text rejections.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::HeaderMap;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::de::DeserializeOwned;
use tower_http::timeout::TimeoutError;

use super::AppError;

/// Maximum size of a request body, in bytes (256 KiB).
///
/// A maximal value is 32,768 bytes, and JSON escaping makes each byte at most
/// six bytes long (`\u0001`), so the largest valid create request stays under
/// 197,000 bytes and fits with room to spare.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// A request body parsed from JSON.
///
/// Rejects, in this order: a content type other than `application/json`
/// (415), the failures of [`read_body`] (413, 408 or 400), and text that is
/// not JSON of the expected shape (400).
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T, S> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Self::Rejection> {
        if !has_json_content_type(request.headers()) {
            return Err(AppError::UnsupportedMediaType);
        }
        let bytes = read_body(request).await?;

        // serde_json's messages may quote the input, which can contain a
        // value, so the response names only the kind of problem.
        serde_json::from_slice(&bytes).map(JsonBody).map_err(|error| match error.classify() {
            serde_json::error::Category::Data => AppError::InvalidBody(
                "The request body must be a JSON object with the text fields key and value, and optionally description.",
            ),
            _ => AppError::InvalidBody("The request body is not valid JSON."),
        })
    }
}

/// Reads a whole request body of at most [`MAX_BODY_BYTES`].
///
/// Rejects a `Content-Length` over the limit before reading (413), a body
/// that grows past the limit while streaming (413), a body that pauses
/// longer than [`Timeouts::body_read`](super::Timeouts::body_read) (408),
/// and a body that fails to arrive in any other way (400).
pub(super) async fn read_body(request: Request) -> Result<Bytes, AppError> {
    if declared_length(request.headers()).is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return Err(AppError::PayloadTooLarge);
    }

    // NOTE: the collected buffers are freed without being zeroed; only the
    // value parsed from them lives in zeroizing memory.
    let collected = Limited::new(request.into_body(), MAX_BODY_BYTES)
        .collect()
        .await;
    match collected {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.downcast_ref::<LengthLimitError>().is_some() => {
            Err(AppError::PayloadTooLarge)
        }
        Err(error) if caused_by::<TimeoutError>(error.as_ref()) => {
            tracing::info!("the request body paused too long; responding 408");
            Err(AppError::BodyTimeout)
        }
        Err(_) => Err(AppError::InvalidBody(
            "The request body could not be read completely.",
        )),
    }
}

/// Returns `true` when `error` or one of its sources is an `E`. The
/// timeout error of the body timeout layer reaches the handler wrapped in
/// `axum::Error`, so a plain downcast does not find it.
fn caused_by<E: std::error::Error + 'static>(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(cause) = current {
        if cause.is::<E>() {
            return true;
        }
        current = cause.source();
    }
    false
}

/// Returns `true` for `application/json`, with or without parameters such
/// as `charset=utf-8`.
fn has_json_content_type(headers: &HeaderMap) -> bool {
    has_content_type(headers, "application/json")
}

/// Returns `true` when the `Content-Type` header names the media type
/// `essence`, compared without case, with or without parameters.
pub(super) fn has_content_type(headers: &HeaderMap, essence: &str) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|declared| declared.trim().eq_ignore_ascii_case(essence))
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers_with_content_type(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn content_type_json_variants_accepted() {
        for value in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
        ] {
            assert!(
                has_json_content_type(&headers_with_content_type(value)),
                "{value}"
            );
        }
    }

    #[test]
    fn content_type_other_rejected() {
        for value in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "application/jsonp",
            "",
        ] {
            assert!(
                !has_json_content_type(&headers_with_content_type(value)),
                "{value}"
            );
        }
        assert!(!has_json_content_type(&HeaderMap::new()));
    }
}
