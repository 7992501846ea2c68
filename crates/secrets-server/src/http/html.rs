//! Small HTML pages that the server renders itself: the login pages and the
//! page shown when the SPA is not built.

/// Wraps `body`, which must be escaped HTML already, in a complete page.
///
/// The empty `data:` icon stops browsers from requesting `/favicon.ico`,
/// which the server does not have, and logging the 404 as a console error.
pub(super) fn page(title: &str, body: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><link rel="icon" href="data:,"><title>{title}</title></head>
<body>
{body}
</body>
</html>
"#
    )
}

/// Escapes the five characters that are special in HTML text and in
/// attribute values.
pub(super) fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_html_special_characters() {
        assert_eq!(
            escape_html(r#"<b class="x">Tom & 'Jerry'</b>"#),
            "&lt;b class=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/b&gt;"
        );
        assert_eq!(escape_html("owner"), "owner");
    }
}
