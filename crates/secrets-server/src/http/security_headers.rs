//! Headers that every response of the router carries: the content security
//! policy (CSP), `X-Frame-Options`, `X-Content-Type-Options` and
//! `Referrer-Policy`.
//!
//! The policy lets a page load scripts, styles, images and API responses
//! from this server's origin only. It allows no inline script except those
//! of the SPA's HTML files, whose SHA-256 hashes the SPA service computes
//! from the bytes it sends and passes on as [`InlineScriptHashes`]. Which
//! sites may show a page in a frame is configured with [`FrameAncestor`]s.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use sha2::{Digest, Sha256};

/// An origin that may show the server's pages in a frame, such as
/// `https://dashboard.example.com`: a scheme (`http` or `https`), a host
/// and an optional port. The first label of the host may be `*`, which
/// matches any subdomain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameAncestor(String);

/// The error for a `--frame-ancestors` value that is not an origin. Its
/// `Display` names the problem and shows the expected form.
#[derive(Debug, thiserror::Error)]
#[error("{reason}. Expected an origin: a scheme, a host and an optional port, such as https://dashboard.example.com or http://127.0.0.1:3000")]
pub struct InvalidOrigin {
    reason: String,
}

impl FromStr for FrameAncestor {
    type Err = InvalidOrigin;

    fn from_str(origin: &str) -> Result<Self, Self::Err> {
        match origin_error(origin) {
            None => Ok(Self(origin.to_owned())),
            Some(reason) => Err(InvalidOrigin { reason }),
        }
    }
}

impl fmt::Display for FrameAncestor {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// Returns why `origin` is not an origin that a CSP source expression can
/// name, or `None` when it is one. The checks also keep out every character
/// that could end the source list or the directive (space, `;`, `,`) or
/// turn it into a keyword such as `'self'`.
fn origin_error(origin: &str) -> Option<String> {
    if origin.is_empty() {
        return Some("the origin is empty".to_owned());
    }
    let forbidden = |character: char| {
        !character.is_ascii_graphic() || matches!(character, '\'' | '"' | ';' | ',' | '\\')
    };
    if let Some(character) = origin.chars().find(|&character| forbidden(character)) {
        return Some(format!(
            "the origin contains the invalid character {character:?}"
        ));
    }

    let Some((scheme, authority)) = origin.split_once("://") else {
        return Some("the origin has no scheme such as https://".to_owned());
    };
    if !scheme.eq_ignore_ascii_case("https") && !scheme.eq_ignore_ascii_case("http") {
        return Some(format!("the scheme `{scheme}` is not http or https"));
    }
    if authority.contains(['/', '?', '#']) {
        return Some(
            "the origin has a path, query or fragment, but an origin ends after the host and port"
                .to_owned(),
        );
    }
    if authority.contains('@') {
        return Some("the origin contains a user name (`@`)".to_owned());
    }
    if authority.starts_with('[') {
        return Some("a content security policy cannot name an IPv6 address".to_owned());
    }

    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    if let Some(reason) = host_error(host) {
        return Some(reason);
    }
    match port {
        Some(port) if !is_port(port) => {
            Some(format!("the port `{port}` is not a number from 1 to 65535"))
        }
        _ => None,
    }
}

/// Returns why `host` is not a host name or IPv4 address, optionally
/// starting with the wildcard label `*`, or `None` when it is one.
fn host_error(host: &str) -> Option<String> {
    if host.is_empty() {
        return Some("the origin has no host".to_owned());
    }
    let named = host.strip_prefix("*.").unwrap_or(host);
    if named.contains('*') {
        return Some(
            "a wildcard may only replace the first label of the host, as in https://*.example.com"
                .to_owned(),
        );
    }
    // `*.com` would let every site under a top-level domain frame the pages.
    if named.len() < host.len() && !named.contains('.') {
        return Some(format!(
            "the wildcard in `{host}` covers a whole top-level domain; name the shell's domain, as in https://*.example.com"
        ));
    }
    let valid_label = |label: &str| {
        !label.is_empty()
            && label
                .chars()
                .all(|character| character.is_ascii_alphanumeric() || character == '-')
    };
    if !named.split('.').all(valid_label) {
        return Some(format!(
            "the host `{host}` is not a list of labels of letters, digits and hyphens separated by dots"
        ));
    }
    None
}

fn is_port(port: &str) -> bool {
    !port.is_empty()
        && port.chars().all(|character| character.is_ascii_digit())
        && port.parse::<u16>().is_ok_and(|number| number > 0)
}

/// The `'sha256-…'` source expressions of the inline scripts of one HTML
/// response, added to that response's `script-src` by
/// [`set_security_headers`]. Only the SPA service attaches them, so a
/// page that the server renders from request data never allows a script.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct InlineScriptHashes(Vec<String>);

impl InlineScriptHashes {
    /// Finds the inline `<script>` elements of `html` and hashes each
    /// content as a browser does: the text between the start and end tag,
    /// with line breaks normalized to LF, encoded as UTF-8. Empty scripts
    /// such as `<script src="…"></script>` need no hash.
    ///
    /// NOTE: this is a scanner for build output, not an HTML parser. It
    /// skips comments but not the content of other raw text elements, and a
    /// script that contains `<!--<script>` ends at its first `</script>`
    /// here, unlike in a browser. An extra hash only allows a script that
    /// the file already contains, and a missing one blocks the script.
    pub(super) fn of_html(html: &[u8]) -> Self {
        let html = String::from_utf8_lossy(html)
            .replace("\r\n", "\n")
            .replace('\r', "\n");
        let lowercase = html.to_ascii_lowercase();
        let mut hashes = Vec::new();
        let mut position = 0;
        while let Some(found) = lowercase[position..].find('<') {
            let tag = position + found;
            if lowercase[tag..].starts_with("<!--") {
                position = match lowercase[tag + 4..].find("-->") {
                    Some(end) => tag + 4 + end + 3,
                    None => break,
                };
                continue;
            }
            if !is_tag_named(&lowercase[tag..], "<script") {
                position = tag + 1;
                continue;
            }
            let Some(content_start) = start_tag_end(&lowercase, tag) else {
                break;
            };
            let content_end = find_end_tag(&lowercase, content_start).unwrap_or(html.len());
            let content = &html[content_start..content_end];
            if !content.is_empty() {
                let digest = Sha256::digest(content.as_bytes());
                hashes.push(format!("'sha256-{}'", BASE64.encode(digest)));
            }
            position = content_end;
        }
        Self(hashes)
    }
}

/// Tells whether `text` starts with `name` (such as `<script`) followed by
/// the end of a tag name.
fn is_tag_named(text: &str, name: &str) -> bool {
    text.starts_with(name)
        && text[name.len()..]
            .chars()
            .next()
            .is_some_and(|next| next.is_ascii_whitespace() || next == '/' || next == '>')
}

/// Returns the index after the `>` that ends the start tag at `tag`,
/// skipping a `>` inside a quoted attribute value.
fn start_tag_end(html: &str, tag: usize) -> Option<usize> {
    let mut quote = None;
    for (offset, character) in html[tag..].char_indices() {
        match (quote, character) {
            (None, '"' | '\'') => quote = Some(character),
            (Some(open), _) if character == open => quote = None,
            (None, '>') => return Some(tag + offset + 1),
            _ => {}
        }
    }
    None
}

/// Returns the index of the `</script` that ends the script content
/// starting at `start`.
fn find_end_tag(html: &str, start: usize) -> Option<usize> {
    let mut position = start;
    while let Some(found) = html[position..].find("</script") {
        let end = position + found;
        if is_tag_named(&html[end..], "</script") {
            return Some(end);
        }
        position = end + 1;
    }
    None
}

/// The security header values, built once at start from the configured
/// frame ancestors.
#[derive(Clone, Debug)]
pub struct SecurityHeaders {
    /// Source list of `frame-ancestors`: the configured origins separated
    /// by spaces, or `'none'`.
    frame_ancestors: String,
    /// The policy for responses without inline scripts.
    policy: HeaderValue,
}

impl SecurityHeaders {
    /// Builds the headers that let exactly `frame_ancestors` show the pages
    /// in a frame, or no site when the list is empty.
    pub fn new(frame_ancestors: &[FrameAncestor]) -> Self {
        let frame_ancestors = if frame_ancestors.is_empty() {
            "'none'".to_owned()
        } else {
            let origins: Vec<&str> = frame_ancestors
                .iter()
                .map(|origin| origin.0.as_str())
                .collect();
            origins.join(" ")
        };
        let policy = policy_header(&frame_ancestors, &InlineScriptHashes::default());
        Self {
            frame_ancestors,
            policy,
        }
    }

    /// Tells whether no site may frame the pages.
    fn denies_framing(&self) -> bool {
        self.frame_ancestors == "'none'"
    }
}

impl Default for SecurityHeaders {
    /// Headers that let no site frame the pages.
    fn default() -> Self {
        Self::new(&[])
    }
}

/// Builds the content security policy. Each directive allows only what the
/// SPA's release build and the server's own pages load.
fn content_security_policy(frame_ancestors: &str, script_hashes: &InlineScriptHashes) -> String {
    // The SPA's JavaScript module from this origin, the inline module
    // script that trunk writes into index.html to start it (allowed by its
    // hash), and the compilation of the app's WebAssembly, which
    // 'wasm-unsafe-eval' allows without allowing eval() of JavaScript.
    let mut script_src = "'self' 'wasm-unsafe-eval'".to_owned();
    for hash in &script_hashes.0 {
        script_src.push(' ');
        script_src.push_str(hash);
    }

    let directives = [
        // Everything that no directive below names: plugins, fonts,
        // workers, frames inside the pages, manifests, media.
        "default-src 'none'".to_owned(),
        format!("script-src {script_src}"),
        // The SPA's stylesheet file. No page has a style element or
        // attribute, which this directive would block.
        "style-src 'self'".to_owned(),
        // The SPA's icon, and the empty `data:` icon of the server's own
        // pages. A `data:` image sends no request and runs no script.
        "img-src 'self' data:".to_owned(),
        // The API, and the WebAssembly file that the loader fetches and
        // index.html preloads.
        "connect-src 'self'".to_owned(),
        // No page has a <base> element, and an injected one could make
        // the module's relative URLs load from another host.
        "base-uri 'none'".to_owned(),
        // The login page's form posts to /login on this origin.
        "form-action 'self'".to_owned(),
        format!("frame-ancestors {frame_ancestors}"),
    ];
    directives.join("; ")
}

fn policy_header(frame_ancestors: &str, script_hashes: &InlineScriptHashes) -> HeaderValue {
    let policy = content_security_policy(frame_ancestors, script_hashes);
    // The policy contains only visible ASCII: fixed text, validated
    // origins and base64 digests.
    HeaderValue::try_from(policy).expect("a content security policy is visible ASCII")
}

/// Middleware that sets the security headers on every response, replacing
/// any that a handler set.
///
/// - `Content-Security-Policy`: see [`content_security_policy`], with the
///   hashes of the response's [`InlineScriptHashes`], if it has any. Its
///   `frame-ancestors` keeps every other site from framing a page, so none
///   can trick a member into pressing the login page's button.
/// - `X-Frame-Options: DENY` when no site may frame the pages, for browsers
///   without `frame-ancestors`. It is left out when origins are configured,
///   because it cannot name them and would block them.
/// - `X-Content-Type-Options: nosniff`: browsers may not guess a content
///   type, so no file is run as a script unless it is declared one.
/// - `Referrer-Policy: no-referrer`, because a login link's query contains
///   its token.
pub(super) async fn set_security_headers(
    State(headers): State<Arc<SecurityHeaders>>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;

    let policy = match response.extensions_mut().remove::<InlineScriptHashes>() {
        Some(hashes) => policy_header(&headers.frame_ancestors, &hashes),
        None => headers.policy.clone(),
    };
    let response_headers = response.headers_mut();
    response_headers.insert(CONTENT_SECURITY_POLICY, policy);
    if headers.denies_framing() {
        response_headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    } else {
        response_headers.remove(X_FRAME_OPTIONS);
    }
    response_headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response_headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(origin: &str) -> Result<FrameAncestor, String> {
        origin
            .parse::<FrameAncestor>()
            .map_err(|error| error.to_string())
    }

    #[test]
    fn frame_ancestor_accepts_origins() {
        for origin in [
            "https://dashboard.example.com",
            "http://127.0.0.1:3000",
            "https://*.example.com",
            "http://localhost",
            "HTTPS://Dashboard.Example.com:8443",
        ] {
            assert_eq!(
                parse(origin).map(|parsed| parsed.to_string()),
                Ok(origin.to_owned())
            );
        }
    }

    #[test]
    fn frame_ancestor_rejects_non_origins() {
        let cases = [
            ("", "the origin is empty"),
            ("https://a.example.com/", "has a path"),
            ("https://a.example.com/shell", "has a path"),
            ("https://a.example.com?x=1", "has a path, query"),
            ("https://a.example.com#top", "has a path, query or fragment"),
            ("*", "has no scheme"),
            ("dashboard.example.com", "has no scheme"),
            ("https://*", "a wildcard may only replace the first label"),
            ("https://*.com", "covers a whole top-level domain"),
            (
                "https://a.*.com",
                "a wildcard may only replace the first label",
            ),
            (
                "https://*example.com",
                "a wildcard may only replace the first label",
            ),
            ("https://example.com:*", "the port `*` is not a number"),
            ("'self'", "the origin contains the invalid character '\\''"),
            ("'none'", "the origin contains the invalid character '\\''"),
            (
                "\"https://a.example.com\"",
                "the origin contains the invalid character '\"'",
            ),
            (
                "https://a.example.com https://b.example.com",
                "the origin contains the invalid character ' '",
            ),
            (
                "https://a.example.com;script-src *",
                "the origin contains the invalid character ';'",
            ),
            (
                "https://a.example.com,https://b",
                "the origin contains the invalid character ','",
            ),
            (
                "https://a.example.com\n",
                "the origin contains the invalid character '\\n'",
            ),
            (
                "https://dashbörd.example.com",
                "the origin contains the invalid character 'ö'",
            ),
            (
                "ftp://a.example.com",
                "the scheme `ftp` is not http or https",
            ),
            (
                "javascript://a.example.com",
                "the scheme `javascript` is not http",
            ),
            ("https://user@a.example.com", "user name"),
            ("http://[::1]:3000", "cannot name an IPv6 address"),
            ("https://a..example.com", "is not a list of labels"),
            ("https://a_b.example.com", "is not a list of labels"),
            ("https://:8080", "has no host"),
            (
                "http://127.0.0.1:0",
                "the port `0` is not a number from 1 to 65535",
            ),
            ("http://127.0.0.1:65536", "the port `65536`"),
            ("http://127.0.0.1:+80", "the port `+80`"),
            ("http://127.0.0.1:", "the port `` is not"),
            ("http://127.0.0.1:80:81", "the port `80:81`"),
        ];
        for (origin, expected) in cases {
            let message = parse(origin).expect_err(origin);
            assert!(message.contains(expected), "{origin:?}: {message}");
            assert!(
                message.contains("such as https://dashboard.example.com"),
                "{origin:?}: {message}"
            );
        }
    }

    #[test]
    fn policy_default_denies_framing() {
        let headers = SecurityHeaders::default();
        let policy = headers.policy.to_str().expect("ASCII");

        assert!(policy.ends_with("; frame-ancestors 'none'"), "{policy}");
        assert!(headers.denies_framing());
    }

    #[test]
    fn policy_lists_configured_ancestors() {
        let origins = [
            parse("https://dashboard.example.com").expect("origin"),
            parse("http://127.0.0.1:3000").expect("origin"),
        ];
        let headers = SecurityHeaders::new(&origins);
        let policy = headers.policy.to_str().expect("ASCII");

        assert!(
            policy
                .ends_with("; frame-ancestors https://dashboard.example.com http://127.0.0.1:3000"),
            "{policy}"
        );
        assert!(!headers.denies_framing());
    }

    #[test]
    fn policy_script_src_has_no_unsafe_keywords() {
        let policy = content_security_policy("'none'", &InlineScriptHashes::default());

        assert!(policy.starts_with("default-src 'none'; "), "{policy}");
        assert!(
            policy.contains("; script-src 'self' 'wasm-unsafe-eval'; "),
            "{policy}"
        );
        assert!(!policy.contains("'unsafe-inline'"), "{policy}");
        assert!(!policy.contains("'unsafe-eval'"), "{policy}");
    }

    #[test]
    fn policy_adds_script_hashes() {
        let hashes =
            InlineScriptHashes(vec!["'sha256-AAAA'".to_owned(), "'sha256-BBBB'".to_owned()]);
        let policy = content_security_policy("'none'", &hashes);

        assert!(
            policy.contains("; script-src 'self' 'wasm-unsafe-eval' 'sha256-AAAA' 'sha256-BBBB'; "),
            "{policy}"
        );
    }

    /// Returns the CSP hash of `script`, computed independently of the
    /// scanner.
    fn expected_hash(script: &str) -> String {
        format!(
            "'sha256-{}'",
            BASE64.encode(Sha256::digest(script.as_bytes()))
        )
    }

    #[test]
    fn inline_script_hash_matches_known_digest() {
        // Computed with
        // `printf "alert('Hello, world.');" | openssl dgst -sha256 -binary | base64`.
        let hashes = InlineScriptHashes::of_html(b"<script>alert('Hello, world.');</script>");

        assert_eq!(
            hashes.0,
            ["'sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng='"]
        );
    }

    #[test]
    fn inline_script_hashes_of_trunk_output() {
        let loader = "\nimport init, * as bindings from '/app-1.js';\nconst wasm = await init({ module_or_path: '/app-1_bg.wasm' });\n\n";
        let html = format!(
            r#"<!doctype html><html><head><title>x</title>
<script type="module">{loader}</script>
<link rel="modulepreload" href="/app-1.js" crossorigin="anonymous"></head>
<body><script src="/external.js"></script><SCRIPT data-x='a>b'>second()</SCRIPT ></body></html>"#
        );

        let hashes = InlineScriptHashes::of_html(html.as_bytes());

        assert_eq!(hashes.0, [expected_hash(loader), expected_hash("second()")]);
    }

    #[test]
    fn inline_script_hashes_normalize_line_breaks() {
        let hashes = InlineScriptHashes::of_html(b"<script>\r\na();\rb();\r\n</script>");

        assert_eq!(hashes.0, [expected_hash("\na();\nb();\n")]);
    }

    #[test]
    fn inline_script_hashes_skip_comments_and_lookalikes() {
        let html = b"<!-- <script>commented()</script> --><scripts>x</scripts><p>no scripts</p>";

        assert_eq!(
            InlineScriptHashes::of_html(html),
            InlineScriptHashes::default()
        );
    }

    #[test]
    fn inline_script_hashes_end_at_real_end_tag() {
        let html = b"<script>let a = '</scripts>'; b();</script>";

        let hashes = InlineScriptHashes::of_html(html);

        assert_eq!(hashes.0, [expected_hash("let a = '</scripts>'; b();")]);
    }
}
