//! Buffers for request and response bodies that contain values or tokens,
//! in memory that is zeroed when it is freed.

use axum::body::{Body, Bytes};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use zeroize::Zeroizing;

/// Appends `bytes` to `buffer` without leaving copies in freed memory.
///
/// When the buffer is full, it moves to a larger zeroizing allocation of
/// at least twice its capacity, at most `capacity_limit` unless more is
/// needed, and the old allocation is zeroed as it drops.
pub(super) fn extend_zeroizing(
    buffer: &mut Zeroizing<Vec<u8>>,
    bytes: &[u8],
    capacity_limit: usize,
) {
    let needed = buffer.len() + bytes.len();
    if needed > buffer.capacity() {
        let capacity = needed
            .max(2 * buffer.capacity())
            .min(capacity_limit.max(needed));
        let mut grown = Zeroizing::new(Vec::with_capacity(capacity));
        grown.extend_from_slice(buffer);
        *buffer = grown;
    }
    buffer.extend_from_slice(bytes);
}

/// An [`std::io::Write`] into zeroizing memory, for `serde_json`.
struct ZeroizingWriter(Zeroizing<Vec<u8>>);

impl std::io::Write for ZeroizingWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        extend_zeroizing(&mut self.0, bytes, usize::MAX);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Capacity of a response buffer before it first grows, in bytes.
const INITIAL_RESPONSE_CAPACITY: usize = 4 * 1024;

/// Builds a JSON response whose body is serialized into zeroizing memory
/// and stays there until hyper has sent it and drops it.
///
/// NOTE: hyper may copy a body into its own write buffer before it writes
/// to the socket, and frees that buffer without zeroing it. The kernel's
/// socket buffers keep a copy too. Neither can be zeroed from here.
pub(super) fn zeroizing_json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    let mut writer = ZeroizingWriter(Zeroizing::new(Vec::with_capacity(
        INITIAL_RESPONSE_CAPACITY,
    )));
    if let Err(error) = serde_json::to_writer(&mut writer, body) {
        // serde_json fails only when the writer or a Serialize impl does.
        // This writer always returns Ok, and the body types derive Serialize
        // over strings and lists, so this branch is a guard.
        tracing::error!(%error, "failed to serialize a response body");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }

    // `from_owner` keeps the zeroizing buffer as the bytes' owner, so the
    // buffer is zeroed when the last reference to the body drops.
    let bytes = Bytes::from_owner(writer.0);
    let mut response = (status, Body::from(bytes)).into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extend_zeroizing_collects_and_grows() {
        let mut buffer = Zeroizing::new(Vec::with_capacity(2));

        for part in ["line 1\n", "line 2", "\r\n", "end"] {
            extend_zeroizing(&mut buffer, part.as_bytes(), usize::MAX);
        }

        assert_eq!(&buffer[..], b"line 1\nline 2\r\nend");
    }

    #[test]
    fn extend_zeroizing_respects_capacity_limit() {
        let mut buffer = Zeroizing::new(Vec::with_capacity(4));
        extend_zeroizing(&mut buffer, b"abcd", 6);

        extend_zeroizing(&mut buffer, b"e", 6);

        assert_eq!(buffer.capacity(), 6);
        assert_eq!(&buffer[..], b"abcde");
    }

    #[tokio::test]
    async fn zeroizing_json_sends_body() {
        let response = zeroizing_json(StatusCode::CREATED, &serde_json::json!({ "a": "b\n" }));

        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .expect("body");
        assert_eq!(&body[..], br#"{"a":"b\n"}"#);
    }
}
