//! [`JsonBody`]: a JSON request body extractor whose every rejection is an
//! [`AppError`], so clients never receive axum's plain-text rejections.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::HeaderMap;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::{Deserialize, Deserializer};
use tower_http::timeout::TimeoutError;
use zeroize::{Zeroize, Zeroizing};

use super::zeroizing::extend_zeroizing;
use super::AppError;

/// Capacity of the body buffer when the request declares no
/// `Content-Length`, in bytes. The buffer doubles when it fills.
const INITIAL_BODY_CAPACITY: usize = 16 * 1024;

/// Maximum size of a request body, in bytes (256 KiB), on every route but
/// the import, whose [`JsonShape`] sets a larger one.
///
/// The sealed box of a maximal value is 32,816 bytes, which base64 turns
/// into 43,756 characters, so the largest valid create request fits with
/// room to spare.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// A request body parsed from JSON.
///
/// Rejects, in this order: a content type other than `application/json`
/// (415), the failures of [`read_body`] (413, 408 or 400), and text that is
/// not JSON of the expected shape (400).
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

/// A request body type that [`JsonBody`] parses, with the message that
/// names its fields for a body of another shape.
pub trait JsonShape: DeserializeOwned {
    /// The message of the 400 response to JSON of another shape.
    const SHAPE_MESSAGE: &'static str;

    /// Maximum size of the body, in bytes.
    const MAX_BYTES: usize = MAX_BODY_BYTES;
}

/// Returns `true` for a field that is present with any content, `null`
/// included, and skips the content without storing it. Use it with
/// `#[serde(default, deserialize_with = "field_present")]` on a `bool`
/// field, to recognize a field only in order to reject it.
pub(super) fn field_present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    IgnoredAny::deserialize(deserializer).map(|_| true)
}

impl<T, S> FromRequest<S> for JsonBody<T>
where
    T: JsonShape,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Self::Rejection> {
        if !has_json_content_type(request.headers()) {
            return Err(AppError::UnsupportedMediaType);
        }
        let body = read_body(request, T::MAX_BYTES).await?;

        // serde_json's messages may quote the input, which can contain a
        // value, so the response names only the kind of problem.
        // NOTE: serde_json decodes a string with escapes (`\n`, `\"`) in a
        // scratch buffer that it frees without zeroing, so such a value
        // leaves copies in freed memory. A string without escapes is copied
        // straight from `body` into the parsed field.
        let parsed = parse_json_object(&body, T::SHAPE_MESSAGE).map(JsonBody);

        // Zero the body now: from here on a value exists only in the parsed
        // request.
        drop(body);
        parsed
    }
}

/// Parses `body` as a JSON object of type `T`. Rejects JSON of another
/// shape with `shape_message`, which names the expected fields. An array is
/// rejected too, although serde would map its items to the fields in
/// order, because the API documents objects only.
fn parse_json_object<T: DeserializeOwned>(
    body: &[u8],
    shape_message: &'static str,
) -> Result<T, AppError> {
    // JSON text must be UTF-8. serde_json checks only the strings it
    // decodes, and accepts invalid bytes in a field that it skips.
    if std::str::from_utf8(body).is_err() {
        return Err(AppError::InvalidBody(
            "The request body is not valid UTF-8. Send the JSON encoded as UTF-8.",
        ));
    }
    let first = body.iter().find(|byte| !byte.is_ascii_whitespace());
    if first != Some(&b'{') {
        return Err(AppError::InvalidBody(shape_message));
    }
    // serde_json skips an unknown field iteratively at any depth, so only
    // this check rejects deep nesting there.
    if nesting_depth_exceeds(body, MAX_NESTING_DEPTH) {
        return Err(AppError::InvalidBody(TOO_DEEP_MESSAGE));
    }
    serde_json::from_slice(body).map_err(|error| json_error(&error, shape_message))
}

/// Maps a serde_json error to a response whose message names the kind of
/// problem and never quotes the body.
fn json_error(error: &serde_json::Error, shape_message: &'static str) -> AppError {
    // serde_json has no error kind for a repeated field, so serde's message
    // "duplicate field `name`" identifies it. Other messages may quote the
    // body, so the text is zeroed on drop.
    let text = Zeroizing::new(error.to_string());
    let message = if text.starts_with("duplicate field") {
        "The request body contains a field more than once. Send each field once."
    } else if error.classify() == serde_json::error::Category::Data {
        shape_message
    } else {
        "The request body is not valid JSON."
    };
    AppError::InvalidBody(message)
}

/// Maximum nesting of arrays and objects in a JSON body. The deepest
/// documented body, an import, nests 3 levels.
const MAX_NESTING_DEPTH: usize = 32;

const TOO_DEEP_MESSAGE: &str = "The request body nests arrays or objects more than 32 levels deep. Send the JSON object that this endpoint documents.";

/// Returns `true` when arrays and objects in the JSON text `body` nest
/// more than `max_depth` levels. Brackets inside strings do not count.
fn nesting_depth_exceeds(body: &[u8], max_depth: usize) -> bool {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &byte in body {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max_depth {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// Reads a whole request body of at most `max_bytes` into memory that is
/// zeroed when it drops.
///
/// Rejects a `Content-Length` over the limit before reading (413), a body
/// that grows past the limit while streaming (413), a body that pauses
/// longer than [`Timeouts::body_read`](super::Timeouts::body_read) (408),
/// and a body that fails to arrive in any other way (400).
pub(super) async fn read_body(
    request: Request,
    max_bytes: usize,
) -> Result<Zeroizing<Vec<u8>>, AppError> {
    let declared = declared_length(request.headers());
    if declared.is_some_and(|length| length > max_bytes as u64) {
        return Err(AppError::PayloadTooLarge { max_bytes });
    }

    // Reserve the declared length at once, so that the buffer does not
    // grow while it reads a well-formed request.
    let capacity = declared.map_or(INITIAL_BODY_CAPACITY, |length| length as usize);
    let mut buffer = Zeroizing::new(Vec::with_capacity(capacity));
    let mut body = Limited::new(request.into_body(), max_bytes);
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| body_error(error.as_ref(), max_bytes))?;
        if let Ok(data) = frame.into_data() {
            // A frame that shares its memory cannot be zeroed here.
            // NOTE: hyper reads from the socket into its own buffer, and
            // frames are usually views of that buffer, which hyper reuses
            // and frees without zeroing.
            let _ = append_frame(&mut buffer, data, max_bytes);
        }
    }
    Ok(buffer)
}

/// Maps an error of the stream limited to `max_bytes` to a response.
fn body_error(error: &(dyn std::error::Error + 'static), max_bytes: usize) -> AppError {
    if error.is::<LengthLimitError>() {
        AppError::PayloadTooLarge { max_bytes }
    } else if caused_by::<TimeoutError>(error) {
        tracing::info!("the request body paused too long; responding 408");
        AppError::BodyTimeout
    } else {
        AppError::InvalidBody("The request body could not be read completely.")
    }
}

/// Appends `frame` to `buffer` without leaving copies in freed memory.
///
/// When the buffer is full, it moves to a larger zeroizing allocation and
/// the old one is zeroed as it drops. When `frame` is the only reference to
/// its memory, that memory is zeroed and returned as `Ok` for the caller to
/// free. A frame that shares its memory is returned unchanged as `Err`.
fn append_frame(
    buffer: &mut Zeroizing<Vec<u8>>,
    frame: Bytes,
    max_bytes: usize,
) -> Result<Bytes, Bytes> {
    extend_zeroizing(buffer, &frame, max_bytes);

    let mut owned = frame.try_into_mut()?;
    owned.zeroize();
    Ok(owned.freeze())
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
    fn append_frame_collects_and_grows() {
        let mut buffer = Zeroizing::new(Vec::with_capacity(2));

        for frame in ["line 1\n", "line 2", "\r\n", "end"] {
            let _ = append_frame(&mut buffer, Bytes::from(frame.to_owned()), MAX_BODY_BYTES);
        }

        assert_eq!(&buffer[..], b"line 1\nline 2\r\nend");
    }

    #[test]
    fn append_frame_zeroes_unique_frame() {
        let mut buffer = Zeroizing::new(Vec::new());

        let zeroed = append_frame(&mut buffer, Bytes::from(b"value".to_vec()), MAX_BODY_BYTES);

        let zeroed = zeroed.expect("the only reference is zeroed");
        assert_eq!(&zeroed[..], &[0; 5]);
        assert_eq!(&buffer[..], b"value");
    }

    #[test]
    fn append_frame_keeps_shared_frame() {
        let mut buffer = Zeroizing::new(Vec::new());
        let frame = Bytes::from(b"value".to_vec());
        let other_reference = frame.clone();

        let returned = append_frame(&mut buffer, frame, MAX_BODY_BYTES);

        assert_eq!(returned.expect_err("a shared frame is kept"), &b"value"[..]);
        assert_eq!(&other_reference[..], b"value");
        assert_eq!(&buffer[..], b"value");
    }

    #[test]
    fn nesting_depth_counts_brackets_outside_strings() {
        let nested = |levels: usize| format!("{}{}", "[".repeat(levels), "]".repeat(levels));

        assert!(!nesting_depth_exceeds(nested(3).as_bytes(), 3));
        assert!(nesting_depth_exceeds(nested(4).as_bytes(), 3));
        assert!(!nesting_depth_exceeds(br#"{"a":"[[[[\"{{{{"}"#, 3));
        assert!(!nesting_depth_exceeds(br#"[{"a":[]},{"b":[]}]"#, 3));
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
