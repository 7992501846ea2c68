//! Requests that carry more than one session cookie.
//!
//! Cookies do not separate ports, so a page on another port of the same
//! host can set a `secrets_session` cookie of its own with a longer `Path`
//! than the member's. The browser then sends both, the longer path first
//! (RFC 6265, section 5.4, step 2; Chromium does so in `e2e/`). Such a
//! request must not act as the member whose cookie came first.

mod common;

use common::{sealed_request, store_sealing_key, TestServer};
use secrets_server::store::CredentialKind;

#[tokio::test]
async fn repeated_session_cookie_not_used_for_changes() {
    let server = TestServer::start().await;
    let member_session = server.token("acme", "owner", CredentialKind::Session);
    let other_session = server.token("evil", "mallory", CredentialKind::Session);
    // The order in which a browser sends them when the other cookie has
    // the longer path.
    let cookie = format!("secrets_session={other_session}; secrets_session={member_session}");

    // The member saves a secret in the company that the page sent them to.
    let response = server
        .client
        .post(server.secrets_url("evil"))
        .header("cookie", &cookie)
        .header("sec-fetch-site", "same-origin")
        .json(&sealed_request(
            &store_sealing_key(server.store(), "evil"),
            "MEMBER_SECRET",
            "member-value",
        ))
        .send()
        .await
        .expect("sent");

    let status = response.status();
    assert!(status.is_client_error(), "status {status}");
    assert_eq!(
        server.count("SELECT COUNT(*) FROM secrets WHERE company_id = 'evil'"),
        0,
        "the secret was stored in the other member's company"
    );
}
