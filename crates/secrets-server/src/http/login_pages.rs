//! The HTML pages of the login route. They contain no scripts, so they work
//! under any content security policy, and every text that comes from the
//! database or the request is escaped.

use super::html::{escape_html, page};
use crate::store::LOGIN_LINK_TTL;
use secrets_core::api::paths::LOGIN_ROUTE;

/// Name of the form field that carries the login token; `login::LoginToken`
/// reads the same name.
const TOKEN_FIELD: &str = "token";

/// Page that shows whom a login link signs in as, with a form whose button
/// sends the token to `POST /login`. Opening the link therefore changes
/// nothing until the member presses the button.
pub(super) fn confirm_page(company: &str, member: &str, token: &str) -> String {
    let company = escape_html(company);
    let member = escape_html(member);
    let token = escape_html(token);
    page(
        "Sign in",
        &format!(
            r#"<h1>Sign in to the Secrets section</h1>
<p>This login link signs you in to company <strong>{company}</strong> as member <strong>{member}</strong>.</p>
<p>Sign in only if this is your company and your name. A link that someone else sent you signs you in to their account, and the secrets you add there are theirs.</p>
<form method="post" action="{LOGIN_ROUTE}">
<input type="hidden" name="{TOKEN_FIELD}" value="{token}">
<button type="submit">Sign in</button>
</form>"#
        ),
    )
}

/// Page shown for an unknown, used or expired login link.
pub(super) fn invalid_link_page() -> String {
    let minutes = LOGIN_LINK_TTL.as_secs() / 60;
    page(
        "Login link invalid",
        &format!(
            r#"<h1>This login link is invalid or was already used</h1>
<p>A login link works once and expires {minutes} minutes after it was created.</p>
<p>To get a new one, run this on the server and open the link it prints:</p>
<pre>secrets-server login-link --data-dir DATA_DIR --company COMPANY_ID --name YOUR_NAME</pre>"#
        ),
    )
}

/// Page shown when another site's page submitted the sign-in form.
pub(super) fn cross_site_page() -> String {
    page(
        "Sign-in rejected",
        r#"<h1>Sign-in rejected</h1>
<p>The sign-in form was sent from another website, so the server did not sign you in and changed nothing.</p>
<p>To sign in, open your login link directly in the browser's address bar and press Sign in.</p>"#,
    )
}

/// Page shown when `POST /login` has a body that is not a form.
pub(super) fn not_a_form_page() -> String {
    page(
        "Sign-in request invalid",
        r#"<h1>Sign-in request invalid</h1>
<p>Send the login token as the form field <code>token</code>, with the header <code>Content-Type: application/x-www-form-urlencoded</code>.</p>"#,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confirm_page_escapes_names() {
        let page = confirm_page("acme", "<script>alert(1)</script>", "abc");
        assert!(!page.contains("<script>"), "{page}");
        assert!(
            page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{page}"
        );
    }

    #[test]
    fn confirm_page_form_posts_token() {
        let page = confirm_page("acme", "owner", "abc123");
        assert!(
            page.contains(r#"<form method="post" action="/login">"#),
            "{page}"
        );
        assert!(
            page.contains(r#"<input type="hidden" name="token" value="abc123">"#),
            "{page}"
        );
        assert!(
            page.contains(r#"<button type="submit">Sign in</button>"#),
            "{page}"
        );
    }
}
