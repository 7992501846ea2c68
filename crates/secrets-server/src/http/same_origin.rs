//! [`verify_same_origin`]: rejects state-changing requests that a page of
//! another site made the browser send (cross-site request forgery).
//!
//! Browsers attach cookies to such requests, so a session cookie alone does
//! not prove that the member meant to send them. `SameSite=Strict` keeps
//! the cookie off requests from other sites, but not from other origins of
//! the same site, such as another port of this host. The check runs on
//! every change that the session cookie authenticates, and on signing in
//! with a login link, which needs no session.

use axum::http::header::{HOST, ORIGIN};
use axum::http::{HeaderMap, HeaderName};

/// Fetch Metadata header in which a browser states how the origin of the
/// page that made a request relates to the request's target.
const SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");

/// Reason why [`verify_same_origin`] rejected a request. Header values are
/// kept for the log; they are not secret.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CrossOriginRequest {
    /// `Sec-Fetch-Site` is present with another value than `same-origin`.
    #[error("Sec-Fetch-Site is {0:?}, not \"same-origin\"")]
    FetchSite(String),
    /// `Origin` is present and is not this server's origin.
    #[error("Origin {origin:?} is not this server's origin {expected:?}")]
    Origin {
        /// The `Origin` header as sent.
        origin: String,
        /// `http://` and the `Host` header, or empty without a `Host`.
        expected: String,
    },
    /// One of the two headers appears more than once or is not text.
    #[error("the {0} header appears more than once or is not valid text")]
    Malformed(HeaderName),
}

/// Accepts a request that a page of this server's own origin sent, or that
/// a client other than a browser sent, and rejects one that a page of
/// another origin made a browser send.
///
/// The rules, in order:
///
/// 1. When `Sec-Fetch-Site` is present, it must be `same-origin`.
/// 2. Otherwise, when `Origin` is present, it must equal `http://` followed
///    by the request's `Host` header (compared without regard to case).
/// 3. Otherwise the request comes from a client that is not a browser, or
///    from a browser too old to send either header, and is accepted.
///
/// NOTE: the expected origin always has the scheme `http`, because the
/// server speaks plain HTTP. Behind a proxy that terminates TLS, browsers
/// that send `Sec-Fetch-Site` still pass, but an `Origin` of `https://…`
/// without it is rejected.
pub fn verify_same_origin(headers: &HeaderMap) -> Result<(), CrossOriginRequest> {
    if let Some(site) = single_value(headers, &SEC_FETCH_SITE)? {
        return if site == "same-origin" {
            Ok(())
        } else {
            Err(CrossOriginRequest::FetchSite(site.to_owned()))
        };
    }

    let Some(origin) = single_value(headers, &ORIGIN)? else {
        return Ok(());
    };
    let expected = match single_value(headers, &HOST)? {
        Some(host) => format!("http://{host}"),
        None => String::new(),
    };
    if !expected.is_empty() && origin.eq_ignore_ascii_case(&expected) {
        Ok(())
    } else {
        Err(CrossOriginRequest::Origin {
            origin: origin.to_owned(),
            expected,
        })
    }
}

/// Returns the header's only value as text, `None` when it is absent, and
/// an error when it repeats or is not visible ASCII. A repeated header
/// could make two readers of the request disagree, so it is never guessed
/// at.
fn single_value<'a>(
    headers: &'a HeaderMap,
    name: &HeaderName,
) -> Result<Option<&'a str>, CrossOriginRequest> {
    let mut values = headers.get_all(name).iter();
    let Some(first) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(CrossOriginRequest::Malformed(name.clone()));
    }
    let text = first
        .to_str()
        .map_err(|_| CrossOriginRequest::Malformed(name.clone()))?;
    Ok(Some(text.trim()))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(
                HeaderName::from_bytes(name.as_bytes()).expect("valid name"),
                HeaderValue::from_static(value),
            );
        }
        headers
    }

    #[test]
    fn same_origin_fetch_site_accepted() {
        let request = headers(&[("sec-fetch-site", "same-origin"), ("host", "a.test")]);
        assert_eq!(verify_same_origin(&request), Ok(()));
    }

    #[test]
    fn same_origin_fetch_site_other_rejected() {
        for site in ["cross-site", "same-site", "none"] {
            let request = headers(&[("sec-fetch-site", site)]);
            assert_eq!(
                verify_same_origin(&request),
                Err(CrossOriginRequest::FetchSite(site.to_owned())),
                "{site}"
            );
        }
    }

    #[test]
    fn same_origin_fetch_site_wins_over_origin() {
        // A matching Origin does not rescue a cross-site fetch.
        let request = headers(&[
            ("sec-fetch-site", "cross-site"),
            ("origin", "http://a.test"),
            ("host", "a.test"),
        ]);
        assert!(verify_same_origin(&request).is_err());
    }

    #[test]
    fn same_origin_matching_origin_accepted() {
        let request = headers(&[
            ("origin", "http://127.0.0.1:8080"),
            ("host", "127.0.0.1:8080"),
        ]);
        assert_eq!(verify_same_origin(&request), Ok(()));
        let request = headers(&[("origin", "http://A.test"), ("host", "a.TEST")]);
        assert_eq!(verify_same_origin(&request), Ok(()));
    }

    #[test]
    fn same_origin_other_origin_rejected() {
        for origin in [
            "http://evil.example",
            "null",
            "https://127.0.0.1:8080",
            "http://127.0.0.1:8081",
            "http://127.0.0.1:8080.evil.example",
        ] {
            let request = headers(&[("origin", origin), ("host", "127.0.0.1:8080")]);
            assert!(verify_same_origin(&request).is_err(), "{origin}");
        }
    }

    #[test]
    fn same_origin_origin_without_host_rejected() {
        let request = headers(&[("origin", "http://a.test")]);
        assert!(verify_same_origin(&request).is_err());
    }

    #[test]
    fn same_origin_no_browser_headers_accepted() {
        assert_eq!(verify_same_origin(&headers(&[("host", "a.test")])), Ok(()));
        assert_eq!(verify_same_origin(&HeaderMap::new()), Ok(()));
    }

    #[test]
    fn same_origin_repeated_header_rejected() {
        let request = headers(&[
            ("sec-fetch-site", "same-origin"),
            ("sec-fetch-site", "cross-site"),
        ]);
        assert!(matches!(
            verify_same_origin(&request),
            Err(CrossOriginRequest::Malformed(_))
        ));
        let request = headers(&[
            ("origin", "http://a.test"),
            ("origin", "http://evil.example"),
            ("host", "a.test"),
        ]);
        assert!(matches!(
            verify_same_origin(&request),
            Err(CrossOriginRequest::Malformed(_))
        ));
    }
}
