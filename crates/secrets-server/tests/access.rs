//! Who may call each endpoint: every endpoint against every kind of
//! caller, conglomerates, member removal, revoked and expired credentials,
//! and logout.

mod common;

use common::{new_secret, sealed_request, store_sealing_key, TestServer};
use reqwest::{Method, RequestBuilder};
use secrets_core::CompanyId;
use secrets_server::store::{ConglomerateId, CredentialKind, Member, MemberName};
use serde_json::{json, Value};

/// The endpoints that act on a company's secrets.
#[derive(Clone, Copy, Debug)]
enum Endpoint {
    List,
    Create,
    Import,
    Update,
    Delete,
    Activity,
    PublicKey,
}

const ENDPOINTS: [Endpoint; 7] = [
    Endpoint::List,
    Endpoint::Create,
    Endpoint::Import,
    Endpoint::Update,
    Endpoint::Delete,
    Endpoint::Activity,
    Endpoint::PublicKey,
];

/// A server with two conglomerates: `group-a` with companies `alpha` and
/// `alpha-2` and member `ana`, and `group-b` with company `beta` and
/// member `bob`.
struct Setup {
    server: TestServer,
    client: reqwest::Client,
    ana: Member,
    bob: Member,
}

impl Setup {
    async fn new() -> Self {
        let server = TestServer::start().await;
        let store = server.store();
        for (conglomerate, companies) in [
            ("group-a", &["alpha", "alpha-2"][..]),
            ("group-b", &["beta"]),
        ] {
            let conglomerate = ConglomerateId::parse(conglomerate).expect("valid");
            store
                .create_conglomerate(&conglomerate)
                .expect("conglomerate");
            for company in companies {
                store
                    .create_company(&company_id(company), &conglomerate)
                    .expect("company");
            }
        }
        let add = |conglomerate: &str, name: &str| {
            store
                .add_member(
                    &ConglomerateId::parse(conglomerate).expect("valid"),
                    &MemberName::parse(name).expect("valid"),
                )
                .expect("member")
        };
        let (ana, bob) = (add("group-a", "ana"), add("group-b", "bob"));
        Self {
            client: reqwest::Client::new(),
            server,
            ana,
            bob,
        }
    }

    fn token(&self, member: &Member, kind: CredentialKind) -> String {
        let token = self
            .server
            .store()
            .issue_credential(member, kind)
            .expect("credential");
        token.expose().to_owned()
    }

    /// Stores `KEY_A` in `company` as `ana`, so that update and delete have
    /// something to act on.
    fn seed(&self, company: &str) {
        let secret = new_secret(self.server.store(), company, "KEY_A", "v");
        self.server
            .store()
            .create_secret(&company_id(company), &self.ana, &secret)
            .expect("seed secret");
    }

    fn request(&self, endpoint: Endpoint, company: &str) -> RequestBuilder {
        let base = self.server.url(&format!("/api/v1/companies/{company}"));
        let (method, url, body) = match endpoint {
            Endpoint::List => (Method::GET, format!("{base}/secrets"), None),
            Endpoint::Create => (
                Method::POST,
                format!("{base}/secrets"),
                Some(self.create_body(company, "NEW_KEY")),
            ),
            Endpoint::Import => (
                Method::POST,
                format!("{base}/secrets/import"),
                Some(json!({ "secrets": [self.create_body(company, "IMPORTED_KEY")] })),
            ),
            Endpoint::Update => (
                Method::PATCH,
                format!("{base}/secrets/KEY_A"),
                Some(json!({ "description": "changed" })),
            ),
            Endpoint::Delete => (Method::DELETE, format!("{base}/secrets/KEY_A"), None),
            Endpoint::Activity => (Method::GET, format!("{base}/activity"), None),
            Endpoint::PublicKey => (Method::GET, format!("{base}/public-key"), None),
        };
        let request = self.client.request(method, url);
        match body {
            Some(body) => request.json(&body),
            None => request,
        }
    }

    /// Returns a create request body for `key`, sealed to the public key of
    /// `company`, or of `alpha` when `company` does not exist: the request
    /// must then be rejected before its body is read.
    fn create_body(&self, company: &str, key: &str) -> Value {
        let exists = CompanyId::parse(company)
            .is_ok_and(|id| self.server.store().conglomerate_of(&id).is_ok());
        let sealing_key =
            store_sealing_key(self.server.store(), if exists { company } else { "alpha" });
        sealed_request(&sealing_key, key, "v")
    }

    /// Sends a request to every endpoint of `company` with `credential`
    /// applied, and asserts the status and error code of each response.
    async fn assert_every_endpoint(
        &self,
        company: &str,
        credential: impl Fn(RequestBuilder) -> RequestBuilder,
        expected: (u16, &str),
    ) {
        for endpoint in ENDPOINTS {
            let response = credential(self.request(endpoint, company))
                .send()
                .await
                .expect("sent");
            let (status, code) = code_of(response).await;
            assert_eq!(
                (status, code.as_str()),
                expected,
                "{endpoint:?} on {company}"
            );
        }
    }

    /// Returns the rows of secrets and events, to check that a rejected
    /// request changed nothing.
    fn snapshot(&self) -> (i64, i64, String) {
        let descriptions: String = self
            .server
            .database()
            .query_row(
                "SELECT COALESCE(group_concat(company_id || '/' || key || '=' || description, ','), '') FROM secrets",
                [],
                |row| row.get(0),
            )
            .expect("query");
        (
            self.server.count("SELECT COUNT(*) FROM secrets"),
            self.server.count("SELECT COUNT(*) FROM activity_events"),
            descriptions,
        )
    }
}

fn company_id(text: &str) -> CompanyId {
    CompanyId::parse(text).expect("valid company")
}

fn success_status(endpoint: Endpoint) -> u16 {
    match endpoint {
        Endpoint::List | Endpoint::Update | Endpoint::Activity | Endpoint::PublicKey => 200,
        Endpoint::Create | Endpoint::Import => 201,
        Endpoint::Delete => 204,
    }
}

async fn code_of(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    (status, body["code"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn access_without_credential_unauthorized() {
    let setup = Setup::new().await;
    setup.seed("alpha");
    let before = setup.snapshot();
    setup
        .assert_every_endpoint("alpha", |request| request, (401, "unauthorized"))
        .await;
    assert_eq!(setup.snapshot(), before);
}

#[tokio::test]
async fn access_unknown_token_unauthorized() {
    let setup = Setup::new().await;
    setup.seed("alpha");
    let before = setup.snapshot();
    let unknown = "ab".repeat(32);
    setup
        .assert_every_endpoint(
            "alpha",
            |request| request.bearer_auth(&unknown),
            (401, "unauthorized"),
        )
        .await;
    assert_eq!(setup.snapshot(), before);
}

#[tokio::test]
async fn access_revoked_token_unauthorized() {
    let setup = Setup::new().await;
    setup.seed("alpha");
    let (id, token) = setup
        .server
        .store()
        .issue_api_token(&setup.ana)
        .expect("token");
    let token = token.expose().to_owned();
    let response = setup
        .request(Endpoint::List, "alpha")
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent");
    assert_eq!(
        response.status(),
        200,
        "the token works before it is revoked"
    );

    let revoked = setup.server.store().revoke_token(id).expect("revoke");
    assert!(!revoked.already_revoked);
    let before = setup.snapshot();
    setup
        .assert_every_endpoint(
            "alpha",
            |request| request.bearer_auth(&token),
            (401, "unauthorized"),
        )
        .await;
    assert_eq!(setup.snapshot(), before);
    assert!(
        setup
            .server
            .store()
            .revoke_token(id)
            .expect("again")
            .already_revoked
    );
}

#[tokio::test]
async fn access_expired_session_unauthorized() {
    let setup = Setup::new().await;
    setup.seed("alpha");
    let session = setup.token(&setup.ana, CredentialKind::Session);
    let cookie = format!("secrets_session={session}");
    let response = setup
        .request(Endpoint::List, "alpha")
        .header("cookie", &cookie)
        .send()
        .await
        .expect("sent");
    assert_eq!(
        response.status(),
        200,
        "the session works before it expires"
    );

    setup
        .server
        .database()
        .execute(
            "UPDATE credentials SET expires_at = unixepoch() - 1 WHERE kind = 'session'",
            [],
        )
        .expect("expire");
    let before = setup.snapshot();
    setup
        .assert_every_endpoint(
            "alpha",
            |request| {
                request
                    .header("cookie", &cookie)
                    .header("sec-fetch-site", "same-origin")
            },
            (401, "unauthorized"),
        )
        .await;
    assert_eq!(setup.snapshot(), before);
}

#[tokio::test]
async fn access_other_conglomerate_not_found() {
    let setup = Setup::new().await;
    setup.seed("alpha");
    let bob = setup.token(&setup.bob, CredentialKind::Api);
    let before = setup.snapshot();
    for company in ["alpha", "alpha-2", "unknown", "Not-Valid"] {
        setup
            .assert_every_endpoint(
                company,
                |request| request.bearer_auth(&bob),
                (404, "not_found"),
            )
            .await;
    }
    assert_eq!(setup.snapshot(), before);
}

#[tokio::test]
async fn access_member_manages_every_company_of_conglomerate() {
    let setup = Setup::new().await;
    let ana = setup.token(&setup.ana, CredentialKind::Api);
    for company in ["alpha", "alpha-2"] {
        setup.seed(company);
        for endpoint in ENDPOINTS {
            let response = setup
                .request(endpoint, company)
                .bearer_auth(&ana)
                .send()
                .await
                .expect("sent");
            let status = response.status().as_u16();
            let body = response.text().await.expect("body");
            assert_eq!(
                status,
                success_status(endpoint),
                "{endpoint:?} on {company}: {body}"
            );
        }
    }
    // Each company's activity contains its own events only.
    let events = setup
        .server
        .count("SELECT COUNT(*) FROM activity_events WHERE company_id = 'alpha-2'");
    assert_eq!(
        events, 5,
        "added (seed), added, added (import), updated, removed"
    );
}

#[tokio::test]
async fn access_session_works_like_token() {
    let setup = Setup::new().await;
    setup.seed("alpha");
    let session = setup.token(&setup.ana, CredentialKind::Session);
    for endpoint in ENDPOINTS {
        let response = setup
            .request(endpoint, "alpha")
            .header("cookie", format!("secrets_session={session}"))
            .header("sec-fetch-site", "same-origin")
            .send()
            .await
            .expect("sent");
        assert_eq!(
            response.status().as_u16(),
            success_status(endpoint),
            "{endpoint:?}"
        );
    }
}

#[tokio::test]
async fn removed_member_loses_access_at_once() {
    let setup = Setup::new().await;
    setup.seed("alpha");
    let token = setup.token(&setup.ana, CredentialKind::Api);
    let session = setup.token(&setup.ana, CredentialKind::Session);
    let cookie = format!("secrets_session={session}");
    let list =
        |builder: RequestBuilder| async move { builder.send().await.expect("sent").status() };
    assert_eq!(
        list(setup.request(Endpoint::List, "alpha").bearer_auth(&token)).await,
        200
    );
    assert_eq!(
        list(
            setup
                .request(Endpoint::List, "alpha")
                .header("cookie", &cookie)
        )
        .await,
        200
    );

    let removed = setup
        .server
        .store()
        .remove_member(
            &setup.ana.conglomerate,
            &MemberName::parse("ana").expect("valid"),
        )
        .expect("remove");
    assert_eq!(removed.credentials_deleted, 2);

    setup
        .assert_every_endpoint(
            "alpha",
            |request| request.bearer_auth(&token),
            (401, "unauthorized"),
        )
        .await;
    setup
        .assert_every_endpoint(
            "alpha",
            |request| {
                request
                    .header("cookie", &cookie)
                    .header("sec-fetch-site", "same-origin")
            },
            (401, "unauthorized"),
        )
        .await;
    // The secret the member added still names it.
    let listed = setup
        .server
        .store()
        .list_secrets(&company_id("alpha"))
        .expect("list");
    assert_eq!(listed[0].created_by, "ana");
}

#[tokio::test]
async fn re_added_member_needs_new_credentials() {
    let setup = Setup::new().await;
    let token = setup.token(&setup.ana, CredentialKind::Api);
    let name = MemberName::parse("ana").expect("valid");
    let store = setup.server.store();
    store
        .remove_member(&setup.ana.conglomerate, &name)
        .expect("remove");
    let again = store
        .add_member(&setup.ana.conglomerate, &name)
        .expect("add again");
    assert_eq!(again.id, setup.ana.id);

    let response = setup
        .request(Endpoint::List, "alpha")
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 401, "an old token stays dead");
    let fresh = setup.token(&again, CredentialKind::Api);
    let response = setup
        .request(Endpoint::List, "alpha")
        .bearer_auth(&fresh)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn logout_ends_session() {
    let setup = Setup::new().await;
    let session = setup.token(&setup.ana, CredentialKind::Session);
    let cookie = format!("secrets_session={session}");
    let logout = || {
        setup
            .client
            .delete(setup.server.url("/api/v1/session"))
            .header("cookie", &cookie)
            .header("sec-fetch-site", "same-origin")
    };

    let response = logout().send().await.expect("sent");
    assert_eq!(response.status(), 204);
    let set_cookie = response.headers()["set-cookie"]
        .to_str()
        .expect("text")
        .to_owned();
    assert!(set_cookie.starts_with("secrets_session=;"), "{set_cookie}");
    assert!(set_cookie.contains("Max-Age=0"), "{set_cookie}");
    assert_eq!(
        setup
            .server
            .count("SELECT COUNT(*) FROM credentials WHERE kind = 'session'"),
        0
    );

    let response = setup
        .request(Endpoint::List, "alpha")
        .header("cookie", &cookie)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 401, "the ended session is rejected");
    let response = logout().send().await.expect("sent");
    assert_eq!(code_of(response).await, (401, "unauthorized".to_owned()));
}

#[tokio::test]
async fn logout_rejects_cross_site_and_api_token() {
    let setup = Setup::new().await;
    let session = setup.token(&setup.ana, CredentialKind::Session);
    let response = setup
        .client
        .delete(setup.server.url("/api/v1/session"))
        .header("cookie", format!("secrets_session={session}"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .expect("sent");
    assert_eq!(code_of(response).await, (403, "cross_origin".to_owned()));
    assert_eq!(
        setup
            .server
            .count("SELECT COUNT(*) FROM credentials WHERE kind = 'session'"),
        1
    );

    let token = setup.token(&setup.ana, CredentialKind::Api);
    let response = setup
        .client
        .delete(setup.server.url("/api/v1/session"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent");
    assert_eq!(code_of(response).await, (400, "not_a_session".to_owned()));
    let response = setup
        .request(Endpoint::List, "alpha")
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200, "the API token still works");
}

#[tokio::test]
async fn store_rechecks_access_inside_writes() {
    let setup = Setup::new().await;
    setup.seed("alpha");
    let store = setup.server.store();
    let alpha = company_id("alpha");
    let key: secrets_core::SecretKey = "KEY_A".parse().expect("valid key");
    let description = secrets_core::Description::parse("changed").expect("valid");
    let new_secret = || new_secret(store, "alpha", "LATE_KEY", "v");

    // A member of another conglomerate, as if authorization had been skipped.
    let bob = &setup.bob;
    assert!(matches!(
        store.create_secret(&alpha, bob, &new_secret()),
        Err(secrets_server::store::StoreError::AccessRevoked)
    ));

    // A member removed after its request was authorized.
    let before = setup.snapshot();
    store
        .remove_member(
            &setup.ana.conglomerate,
            &MemberName::parse("ana").expect("valid"),
        )
        .expect("remove");
    let ana = &setup.ana;
    assert!(matches!(
        store.create_secret(&alpha, ana, &new_secret()),
        Err(secrets_server::store::StoreError::AccessRevoked)
    ));
    assert!(matches!(
        store.update_description(&alpha, ana, &key, &description),
        Err(secrets_server::store::StoreError::AccessRevoked)
    ));
    assert!(matches!(
        store.delete_secret(&alpha, ana, &key),
        Err(secrets_server::store::StoreError::AccessRevoked)
    ));
    assert_eq!(setup.snapshot(), before);
}
