//! A scripted HTTP server on 127.0.0.1, for the unit tests and, included
//! with `#[path]`, the integration tests.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// A response that the scripted server sends.
#[derive(Debug)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The `Location` header, if any.
    pub location: Option<String>,
    /// The body, sent as `application/json`.
    pub body: String,
    /// Whether the reply is sent before the request body is read, after
    /// which the connection is closed with the body unread.
    pub before_body: bool,
}

impl Reply {
    /// Creates a response with a JSON body.
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            location: None,
            body: body.into(),
            before_body: false,
        }
    }

    /// Sends this reply before the request body is read, and closes the
    /// connection with the body unread, as a server that rejects a request
    /// by its headers may.
    pub fn before_body(self) -> Self {
        Self {
            before_body: true,
            ..self
        }
    }

    /// Creates a redirect to `location` with an empty body.
    pub fn redirect(status: u16, location: String) -> Self {
        Self {
            status,
            location: Some(location),
            body: String::new(),
            before_body: false,
        }
    }
}

/// One request that the scripted server received.
#[derive(Debug, Clone)]
pub struct Received {
    /// The request line, such as `GET /api/v1/session HTTP/1.1`.
    pub request_line: String,
    /// The request body, empty when the reply was sent before it was
    /// read.
    pub body: String,
}

/// Serves `replies` in order, one per connection, and records each request
/// before its reply is sent. Returns the server's base URL and the records.
pub fn scripted_server(replies: Vec<Reply>) -> (String, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let base_url = format!("http://{}", listener.local_addr().expect("address"));
    let received = Arc::new(Mutex::new(Vec::new()));
    let recorder = Arc::clone(&received);
    std::thread::spawn(move || {
        for reply in replies {
            let (stream, _) = listener.accept().expect("accept");
            let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
            let mut request_line = String::new();
            reader.read_line(&mut request_line).expect("request line");
            let mut length = 0;
            loop {
                let mut header = String::new();
                reader.read_line(&mut header).expect("header");
                if header == "\r\n" {
                    break;
                }
                if let Some(value) = header.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().expect("length");
                }
            }
            let mut request_body = Vec::new();
            if !reply.before_body {
                request_body.resize(length, 0);
                reader.read_exact(&mut request_body).expect("body");
            }
            recorder.lock().expect("lock").push(Received {
                request_line: request_line.trim().to_owned(),
                body: String::from_utf8(request_body).expect("UTF-8 body"),
            });

            let location = match &reply.location {
                Some(location) => format!("Location: {location}\r\n"),
                None => String::new(),
            };
            let response = format!(
                "HTTP/1.1 {} X\r\n{location}Content-Type: application/json\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{}",
                reply.status,
                reply.body.len(),
                reply.body
            );
            let mut stream = stream;
            stream.write_all(response.as_bytes()).expect("respond");
        }
    });
    (base_url, received)
}
