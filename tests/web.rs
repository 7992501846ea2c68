//! Browser tests of the Secrets section: mount a component, act on the DOM
//! as an owner would, wait for the reactive system, and check the DOM.
//!
//! The API handle points at port 1 of 127.0.0.1, which browsers refuse to
//! connect to, so every request fails at once with a network error. Tests
//! that need the server's responses replace the page's `fetch` with a
//! [`FetchMock`], so no request leaves the page. A save first fetches the
//! company's public key, so those mocks serve the public key of a
//! [`CompanyKeyPair`], whose secret key opens the sealed values sent.

use std::cell::Cell;
use std::rc::Rc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use leptos::prelude::*;
use leptos::task::tick;
use secrets_core::api::{
    paths, ActivityAction, ActivityEvent, ActivityPage, ErrorBody, ErrorCode, ImportItemError,
    PublicKeyResponse, SecretList, SecretMetadata, STALE_PUBLIC_KEY_MESSAGE,
};
use secrets_core::sealed::SealingKey;
use secrets_core::{
    group_thousands, limit_reached_message, CompanyId, Description, DescriptionError, KeyError,
    SecretKey, SecretValue, ValueError, DUPLICATE_KEY_MESSAGE, VALUE_MAX_BYTES,
};
use secrets_section::api::{Api, UnsealedSecret};
use secrets_section::components::{SecretForm, SecretList, SecretsSection};
use serde_json::json;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{
    ClipboardEvent, ClipboardEventInit, DataTransfer, Event, EventInit, HtmlButtonElement,
    HtmlElement, HtmlFormElement, HtmlInputElement, HtmlTextAreaElement,
};
use zeroize::Zeroizing;

wasm_bindgen_test_configure!(run_in_browser);

const UNREACHABLE_API: &str = "http://127.0.0.1:1";
const INVALID_KEY_MESSAGE: &str = "Use A-Z, 0-9, and underscores. Must start with a letter.";

/// A mounted component inside its own container, unmounted on drop.
struct Mounted {
    container: HtmlElement,
    _handle: Box<dyn std::any::Any>,
}

impl Mounted {
    fn find<T: JsCast>(&self, selector: &str) -> T {
        self.container
            .query_selector(selector)
            .expect("valid selector")
            .unwrap_or_else(|| panic!("no element matches {selector}"))
            .unchecked_into()
    }

    fn exists(&self, selector: &str) -> bool {
        self.container
            .query_selector(selector)
            .expect("valid selector")
            .is_some()
    }

    fn text(&self, selector: &str) -> String {
        self.find::<HtmlElement>(selector)
            .text_content()
            .unwrap_or_default()
    }

    /// Returns every element that matches `selector`, in document order.
    fn find_all(&self, selector: &str) -> Vec<HtmlElement> {
        // Through JavaScript, because the web-sys `NodeList` binding is not
        // enabled in this crate.
        let query = js_sys::Function::new_with_args(
            "root, selector",
            "return Array.from(root.querySelectorAll(selector));",
        );
        let found: js_sys::Array = query
            .call2(&JsValue::NULL, &self.container, &selector.into())
            .expect("valid selector")
            .unchecked_into();
        found.iter().map(JsCast::unchecked_into).collect()
    }

    fn key_input(&self) -> HtmlInputElement {
        self.find("#secret-key")
    }

    fn value_input(&self) -> HtmlTextAreaElement {
        self.find("#secret-value")
    }

    fn save_button(&self) -> HtmlButtonElement {
        self.find("button[type=submit]")
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.container.remove();
    }
}

fn container() -> HtmlElement {
    let document = document();
    let container: HtmlElement = document
        .create_element("div")
        .expect("create div")
        .unchecked_into();
    document
        .body()
        .expect("body")
        .append_child(&container)
        .expect("append container");
    container
}

fn company() -> CompanyId {
    CompanyId::parse("acme").expect("valid company")
}

fn mount_form(existing_keys: &[&str]) -> Mounted {
    let existing_keys: Vec<SecretKey> = existing_keys
        .iter()
        .map(|key| SecretKey::parse(key).expect("valid key"))
        .collect();
    let container = container();
    let handle = mount_to(container.clone(), move || {
        view! {
            <SecretForm
                company=company()
                api=Api::new(UNREACHABLE_API)
                existing_keys=existing_keys
                at_limit=false
                on_saved=Callback::new(|_| {})
                on_conflict=Callback::new(|()| {})
            />
        }
    });
    Mounted {
        container,
        _handle: Box::new(handle),
    }
}

fn mount_section() -> Mounted {
    mount_section_with_api(Api::new(UNREACHABLE_API))
}

/// Mounts a section that uses `api`, which the test may keep a clone of.
fn mount_section_with_api(api: Api) -> Mounted {
    let container = container();
    let handle = mount_to(
        container.clone(),
        move || view! { <SecretsSection company=company() api=api.clone() /> },
    );
    Mounted {
        container,
        _handle: Box::new(handle),
    }
}

fn dispatch(target: &HtmlElement, event_type: &str, bubbles: bool) {
    let init = EventInit::new();
    init.set_bubbles(bubbles);
    let event = Event::new_with_event_init_dict(event_type, &init).expect("create event");
    target.dispatch_event(&event).expect("dispatch event");
}

/// Replaces the text of an input or textarea and fires `input`, as typing does.
async fn type_into(element: &HtmlElement, text: &str) {
    if let Some(input) = element.dyn_ref::<HtmlInputElement>() {
        input.set_value(text);
    } else if let Some(textarea) = element.dyn_ref::<HtmlTextAreaElement>() {
        textarea.set_value(text);
    }
    dispatch(element, "input", true);
    tick().await;
}

async fn blur(element: &HtmlElement) {
    dispatch(element, "blur", false);
    tick().await;
}

/// Waits `milliseconds` of wall time, for work that needs more than a tick.
async fn sleep(milliseconds: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let window = web_sys::window().expect("window");
        window
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, milliseconds)
            .expect("set timeout");
    });
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .expect("timeout resolves");
}

/// Returns `true` when a listener can read the clipboard of a `paste`
/// event that a script dispatched. Firefox (153 ESR) hides it from
/// listeners of such untrusted events (`getData` returns ""), so the tests
/// that paste through [`paste`] return early there. A real paste is a
/// trusted event, whose data the form reads in every browser.
fn scripted_paste_is_readable() -> bool {
    let probe: HtmlElement = document()
        .create_element("div")
        .expect("create element")
        .unchecked_into();
    let read = Rc::new(Cell::new(false));
    let listener = Closure::<dyn Fn(ClipboardEvent)>::new({
        let read = Rc::clone(&read);
        move |event: ClipboardEvent| {
            let text = event
                .clipboard_data()
                .and_then(|clipboard| clipboard.get_data("text/plain").ok());
            read.set(text.as_deref() == Some("probe"));
        }
    });
    probe
        .add_event_listener_with_callback("paste", listener.as_ref().unchecked_ref())
        .expect("add paste listener");
    paste(&probe, "probe");
    read.get()
}

/// Returns from the test when this browser hides the clipboard of scripted
/// paste events, and prints a note in the test's output.
macro_rules! return_unless_scripted_paste_is_readable {
    () => {
        if !scripted_paste_is_readable() {
            console_log!("skipped: this browser hides the clipboard of paste events that a script dispatches");
            return;
        }
    };
}

/// Dispatches a `paste` event whose clipboard contains `text` as
/// `text/plain`, as a browser does before it inserts the text. Returns
/// `true` when a handler prevented the browser's own insertion.
fn paste(target: &HtmlElement, text: &str) -> bool {
    let clipboard = DataTransfer::new().expect("create DataTransfer");
    clipboard
        .set_data("text/plain", text)
        .expect("set clipboard text");
    let init = ClipboardEventInit::new();
    init.set_bubbles(true);
    init.set_cancelable(true);
    init.set_clipboard_data(Some(&clipboard));
    let event = ClipboardEvent::new_with_event_init_dict("paste", &init).expect("create paste");
    target.dispatch_event(&event).expect("dispatch paste");
    event.default_prevented()
}

/// Runs `document.execCommand(command, false, argument)`, which edits the
/// focused field through the browser's editing path and fires `input` with
/// the caret already moved. In Chromium, `insertText` with "\n" inserts a
/// line break at the caret as Enter does, though with the input type
/// "insertText" instead of "insertLineBreak". `delete` and `forwardDelete`
/// act as Backspace and Delete, and `undo` and `redo` run the editing
/// commands that Ctrl+Z and Ctrl+Shift+Z are bound to.
async fn exec_command(command: &str, argument: &str) {
    let document: web_sys::HtmlDocument = document().unchecked_into();
    let done = document
        .exec_command_with_show_ui_and_value(command, false, argument)
        .expect("execCommand runs");
    assert!(done, "execCommand({command:?}) was not run");
    tick().await;
}

/// Mounts the form with a mocked public key and create response for the
/// key `KEY`, for tests that check the exact value that a save sends.
fn mount_form_with_key_mock() -> (Mounted, FetchMock, CompanyKeyPair) {
    let key_pair = CompanyKeyPair::generate("key-1");
    let mock = FetchMock::install(json!({
        format!("GET {}", public_key_path()): [key_pair.response()],
        format!("POST {}", secrets_path()): [{ "status": 201, "body": metadata("KEY") }],
    }));
    let form = mount_form(&[]);
    (form, mock, key_pair)
}

/// Types the key `KEY`, clicks Save and returns the value of the create
/// request, opened with the secret key of `key_pair`.
async fn saved_value(form: &Mounted, mock: &FetchMock, key_pair: &CompanyKeyPair) -> String {
    type_into(&form.key_input(), "KEY").await;
    form.save_button().click();
    let sent = wait_until(|| mock.count("POST", &secrets_path()) == 1).await;
    assert!(sent, "no create request");
    key_pair.open(&create_bodies(mock)[0])
}

fn metadata(key: &str) -> SecretMetadata {
    SecretMetadata {
        key: SecretKey::parse(key).expect("valid key"),
        description: Description::default(),
        created_at: "2025-12-04T21:22:00Z".to_owned(),
        created_by: "Ada".to_owned(),
        last_used_at: None,
    }
}

fn list_body(keys: &[&str], limit: usize) -> serde_json::Value {
    let list = SecretList {
        secrets: keys.iter().map(|key| metadata(key)).collect(),
        limit,
    };
    serde_json::to_value(list).expect("serialize list")
}

fn error_body(code: ErrorCode, message: &str) -> serde_json::Value {
    let body = ErrorBody::new(code, message);
    serde_json::to_value(body).expect("serialize error")
}

fn secrets_path() -> String {
    paths::secrets(&company())
}

fn secret_path(key: &str) -> String {
    paths::secret(&company(), &SecretKey::parse(key).expect("valid key"))
}

fn public_key_path() -> String {
    paths::public_key(&company())
}

/// A company's X25519 key pair, generated for one test with `crypto_box`.
/// The mock serves its public key, and the test opens the values of create
/// requests with its secret key, as the server does for a task.
struct CompanyKeyPair {
    key_id: String,
    secret_key: crypto_box::SecretKey,
}

impl CompanyKeyPair {
    fn generate(key_id: &str) -> Self {
        Self {
            key_id: key_id.to_owned(),
            secret_key: crypto_box::SecretKey::generate(&mut crypto_box::aead::OsRng),
        }
    }

    /// Returns the body of `GET /api/v1/companies/{company}/public-key`.
    fn public_key_body(&self) -> PublicKeyResponse {
        PublicKeyResponse {
            key_id: self.key_id.clone(),
            public_key: STANDARD.encode(self.secret_key.public_key().as_bytes()),
        }
    }

    /// Returns a mocked 200 response with the public key.
    fn response(&self) -> serde_json::Value {
        json!({ "status": 200, "body": self.public_key_body() })
    }

    /// Checks that a create request's body names this key and returns its
    /// value, opened with the secret key.
    fn open(&self, body: &serde_json::Value) -> String {
        assert_eq!(body["key_id"], self.key_id.as_str(), "key_id of {body}");
        let sealed = body["sealed_value"]
            .as_str()
            .expect("sealed_value is a string");
        let sealed = STANDARD.decode(sealed).expect("sealed_value is base64");
        let opened = self
            .secret_key
            .unseal(&sealed)
            .expect("the sealed value opens with the company's secret key");
        String::from_utf8(opened).expect("the opened value is UTF-8")
    }
}

/// Returns the bodies of the create requests so far, oldest first.
fn create_bodies(mock: &FetchMock) -> Vec<serde_json::Value> {
    mock.requests()
        .iter()
        .filter(|request| request.method == "POST" && request.path == secrets_path())
        .map(|request| serde_json::from_str(&request.body).expect("JSON body"))
        .collect()
}

/// A request that a [`FetchMock`] received.
#[derive(Debug)]
struct LoggedRequest {
    method: String,
    /// Path and query string, for example `/api/v1/companies/acme/activity?before=5`.
    path: String,
    body: String,
    content_type: String,
}

/// Replaces the page's `fetch` until dropped. The mock logs each request
/// and returns the next response queued for its method, path and query
/// string. The last response of a queue repeats, and a request with no
/// queue fails as a network error does.
struct FetchMock {
    mock: JsValue,
}

impl FetchMock {
    /// Installs the mock. `routes` maps `"METHOD /path?query"` to a list of
    /// `{"status": …, "body": …, "delay_ms": …}` responses; a missing body
    /// sends none, and a delay postpones the response by that many
    /// milliseconds.
    fn install(routes: serde_json::Value) -> Self {
        let install = js_sys::Function::new_with_args(
            "routes",
            r#"
            // A test that panics never drops its mock, so keep the real
            // `fetch` where the next mock finds it.
            globalThis.realFetch ??= globalThis.fetch;
            const original = globalThis.realFetch;
            const requests = [];
            globalThis.fetch = async (input, init) => {
                const request = new Request(input, init);
                const url = new URL(request.url);
                const path = url.pathname + url.search;
                const body = await request.text();
                const contentType = request.headers.get("Content-Type") ?? "";
                requests.push({ method: request.method, path, body, contentType });
                const queue = routes[request.method + " " + path];
                if (!queue || queue.length === 0) {
                    throw new TypeError("no mocked response for " + request.method + " " + path);
                }
                const next = queue.length > 1 ? queue.shift() : queue[0];
                if (next.delay_ms) {
                    await new Promise((wake) => setTimeout(wake, next.delay_ms));
                }
                const text = next.body === undefined ? null : JSON.stringify(next.body);
                return new Response(text, {
                    status: next.status,
                    headers: { "Content-Type": "application/json" },
                });
            };
            return { requests, restore: () => { globalThis.fetch = original; } };
            "#,
        );
        let routes = js_sys::JSON::parse(&routes.to_string()).expect("routes are JSON");
        let mock = install
            .call1(&JsValue::NULL, &routes)
            .expect("install fetch mock");
        Self { mock }
    }

    /// Returns every request so far, oldest first.
    fn requests(&self) -> Vec<LoggedRequest> {
        let requests: js_sys::Array = js_sys::Reflect::get(&self.mock, &"requests".into())
            .expect("requests")
            .unchecked_into();
        requests
            .iter()
            .map(|request| {
                let field = |name: &str| {
                    js_sys::Reflect::get(&request, &name.into())
                        .ok()
                        .and_then(|value| value.as_string())
                        .unwrap_or_default()
                };
                LoggedRequest {
                    method: field("method"),
                    path: field("path"),
                    body: field("body"),
                    content_type: field("contentType"),
                }
            })
            .collect()
    }

    /// Returns the number of requests with `method` to `path`, which
    /// includes the query string.
    fn count(&self, method: &str, path: &str) -> usize {
        self.requests()
            .iter()
            .filter(|request| request.method == method && request.path == path)
            .count()
    }
}

impl Drop for FetchMock {
    fn drop(&mut self) {
        if let Ok(restore) = js_sys::Reflect::get(&self.mock, &"restore".into()) {
            let restore: js_sys::Function = restore.unchecked_into();
            _ = restore.call0(&JsValue::NULL);
        }
    }
}

/// Waits up to two seconds for `condition` to hold.
async fn wait_until(mut condition: impl FnMut() -> bool) -> bool {
    for _ in 0..40 {
        if condition() {
            return true;
        }
        sleep(50).await;
    }
    condition()
}

fn focused_element() -> Option<web_sys::Element> {
    document().active_element()
}

/// Waits up to two seconds for an element that matches `selector`.
async fn wait_for(mounted: &Mounted, selector: &str) -> bool {
    for _ in 0..40 {
        if mounted.exists(selector) {
            return true;
        }
        sleep(50).await;
    }
    false
}

#[wasm_bindgen_test]
async fn key_input_uppercases_letters() {
    let form = mount_form(&[]);
    let key = form.key_input();

    type_into(&key, "my_key").await;

    assert_eq!(key.value(), "MY_KEY");
    assert_eq!(form.text("#secret-key-message"), "");
}

#[wasm_bindgen_test]
async fn key_input_keeps_caret_in_middle() {
    let form = mount_form(&[]);
    let key = form.key_input();
    type_into(&key, "MY_KEY").await;

    // The owner puts the caret after "MY" and types "x".
    key.set_value("MYx_KEY");
    key.set_selection_range(3, 3).expect("set caret");
    dispatch(&key, "input", true);
    tick().await;

    assert_eq!(key.value(), "MYX_KEY");
    assert_eq!(key.selection_start().expect("caret"), Some(3));
    assert_eq!(key.selection_end().expect("caret"), Some(3));
}

#[wasm_bindgen_test]
async fn key_input_invalid_character_message() {
    let form = mount_form(&[]);
    let key = form.key_input();

    type_into(&key, "my-key").await;

    assert_eq!(key.value(), "MY-KEY");
    assert_eq!(form.text("#secret-key-message"), INVALID_KEY_MESSAGE);
    assert_eq!(key.get_attribute("aria-invalid").as_deref(), Some("true"));
}

#[wasm_bindgen_test]
async fn reserved_key_message_blocks_save() {
    let form = mount_form(&[]);

    type_into(&form.key_input(), "bash_env").await;
    type_into(&form.value_input(), "$(env > /tmp/out)").await;

    assert_eq!(
        form.text("#secret-key-message"),
        KeyError::Reserved.to_string()
    );
    assert!(form.save_button().disabled());
}

#[wasm_bindgen_test]
async fn value_with_nul_message_blocks_save() {
    let form = mount_form(&[]);

    type_into(&form.key_input(), "API_KEY").await;
    type_into(&form.value_input(), "ab\0c").await;

    assert_eq!(
        form.text("#secret-value-message"),
        ValueError::ContainsNul { position: 3 }.to_string()
    );
    assert!(form.save_button().disabled());
}

#[wasm_bindgen_test]
async fn save_button_disabled_initially() {
    let form = mount_form(&[]);
    tick().await;

    assert_eq!(
        form.save_button().text_content().as_deref(),
        Some("Save Secret")
    );
    assert!(form.save_button().disabled());
}

#[wasm_bindgen_test]
async fn save_button_needs_key_and_value() {
    let form = mount_form(&[]);

    type_into(&form.key_input(), "api_key").await;
    assert!(form.save_button().disabled(), "enabled with an empty value");

    type_into(&form.value_input(), "sk_test_123").await;
    assert!(
        !form.save_button().disabled(),
        "disabled with a valid key and value"
    );

    type_into(&form.key_input(), "1STKEY").await;
    assert!(form.save_button().disabled(), "enabled with an invalid key");
}

#[wasm_bindgen_test]
async fn save_button_disabled_for_duplicate() {
    let form = mount_form(&["API_KEY"]);

    type_into(&form.key_input(), "api_key").await;
    type_into(&form.value_input(), "sk_test_123").await;

    assert!(form.save_button().disabled());
    assert_eq!(form.text("#secret-key-message"), DUPLICATE_KEY_MESSAGE);
}

#[wasm_bindgen_test]
async fn value_keeps_spaces_and_newlines() {
    let form = mount_form(&[]);
    let value = form.value_input();
    let text = "  -----BEGIN KEY-----\nMIIB\n-----END KEY-----\n";

    type_into(&value, text).await;
    type_into(&form.key_input(), "PEM").await;

    assert_eq!(value.value(), text);
    assert!(!form.save_button().disabled());
}

#[wasm_bindgen_test]
async fn value_required_message_after_blur() {
    let form = mount_form(&[]);
    let value = form.value_input();
    tick().await;
    assert_eq!(form.text("#secret-value-message"), "");

    value.focus().expect("focus value");
    value.blur().expect("blur value");
    tick().await;

    assert_eq!(form.text("#secret-value-message"), "Enter a value.");
    assert_eq!(value.get_attribute("aria-invalid").as_deref(), Some("true"));
}

#[wasm_bindgen_test]
async fn key_required_message_after_blur() {
    let form = mount_form(&[]);
    let key = form.key_input();
    tick().await;
    assert_eq!(form.text("#secret-key-message"), "");

    blur(&key).await;

    assert_eq!(form.text("#secret-key-message"), "Enter a key.");
}

#[wasm_bindgen_test]
async fn description_counter_counts_characters() {
    let form = mount_form(&[]);
    tick().await;
    assert!(form.text("#secret-description-count").contains("0 / 200"));

    type_into(&form.find("#secret-description"), "For e-mails").await;

    assert!(form.text("#secret-description-count").contains("11 / 200"));
    assert_eq!(form.text("#secret-description-message"), "");
}

#[wasm_bindgen_test]
async fn description_too_long_message() {
    let form = mount_form(&[]);

    type_into(&form.find("#secret-description"), &"x".repeat(201)).await;

    assert!(form.text("#secret-description-message").contains("200"));
}

#[wasm_bindgen_test]
async fn submit_empty_form_shows_messages() {
    let form = mount_form(&[]);
    tick().await;

    dispatch(&form.find("form"), "submit", true);
    tick().await;

    assert_eq!(form.text("#secret-key-message"), "Enter a key.");
    assert_eq!(form.text("#secret-value-message"), "Enter a value.");
}

/// Fills every field of the form with text that a save would accept.
async fn fill_form(form: &Mounted) {
    type_into(&form.key_input(), "API_KEY").await;
    type_into(&form.value_input(), "sk_test_123").await;
    type_into(&form.find("#secret-description"), "Payments").await;
}

/// Returns the names of the entries that a native submission of `form`
/// would send. `new FormData(form)` builds its entries by the same rules.
fn form_data_names(form: &HtmlFormElement) -> Vec<String> {
    // Through JavaScript, because the web-sys `FormData` binding is not
    // enabled in this crate.
    let names =
        js_sys::Function::new_with_args("form", "return Array.from(new FormData(form).keys());");
    let names: js_sys::Array = names
        .call1(&JsValue::NULL, form)
        .expect("build FormData")
        .unchecked_into();
    names.iter().filter_map(|name| name.as_string()).collect()
}

/// A hidden frame that a test names as a form's `target`, so that a native
/// submission navigates the frame instead of the test page. The frame runs
/// no scripts, so the test page that the test server returns for any path
/// cannot start the suite again inside it.
struct SubmissionFrame {
    frame: HtmlElement,
}

impl SubmissionFrame {
    const NAME: &str = "native-submission";

    fn create() -> Self {
        let frame: HtmlElement = document()
            .create_element("iframe")
            .expect("create iframe")
            .unchecked_into();
        for (name, value) in [
            ("name", Self::NAME),
            ("sandbox", "allow-same-origin"),
            ("hidden", ""),
        ] {
            frame.set_attribute(name, value).expect("set attribute");
        }
        document()
            .body()
            .expect("body")
            .append_child(&frame)
            .expect("append iframe");
        Self { frame }
    }

    /// Returns the URL of the frame's document, "about:blank" until a
    /// submission navigates the frame.
    fn url(&self) -> String {
        let url = js_sys::Function::new_with_args(
            "frame",
            "return frame.contentDocument?.URL ?? 'a document of another origin';",
        );
        url.call1(&JsValue::NULL, &self.frame)
            .expect("read frame URL")
            .as_string()
            .unwrap_or_default()
    }
}

impl Drop for SubmissionFrame {
    fn drop(&mut self) {
        self.frame.remove();
    }
}

#[wasm_bindgen_test]
async fn form_data_has_no_field() {
    let form = mount_form(&[]);
    fill_form(&form).await;

    let names = form_data_names(&form.find("form"));

    assert!(names.is_empty(), "a native submission would send {names:?}");
}

#[wasm_bindgen_test]
async fn native_submission_stays_on_page() {
    // `submit()` skips the `submit` event, so no handler can cancel it.
    // Firefox (153 ESR) also submits natively after a `submit` event that
    // a script dispatched without `cancelable`, which Chromium ignores.
    // Firefox throws NS_ERROR_FAILURE from `submit()` on a form with method
    // "dialog" outside a `<dialog>`, so the test ignores the result and
    // checks the frame's URL.
    type Submit = fn(&HtmlFormElement);
    let cases: [(&str, Submit); 2] = [
        ("submit()", |form| {
            _ = form.submit();
        }),
        ("submit event that cannot be canceled", |form| {
            dispatch(form, "submit", true);
        }),
    ];
    for (case, submit) in cases {
        let frame = SubmissionFrame::create();
        let form = mount_form(&[]);
        fill_form(&form).await;
        let form_element: HtmlFormElement = form.find("form");
        form_element.set_target(SubmissionFrame::NAME);

        submit(&form_element);
        let navigated = wait_until(|| frame.url() != "about:blank").await;

        assert!(!navigated, "{case}: the form navigated to {}", frame.url());
        assert_eq!(
            form.value_input().value(),
            "sk_test_123",
            "{case}: value lost"
        );
    }
}

#[wasm_bindgen_test]
async fn value_textarea_opts_out_of_helpers() {
    let form = mount_form(&[]);
    let value = form.value_input();
    let expected = [
        ("autocomplete", "off"),
        ("spellcheck", "false"),
        ("autocapitalize", "off"),
        ("autocorrect", "off"),
        ("data-lpignore", "true"),
        ("data-form-type", "other"),
    ];
    for (name, expected_value) in expected {
        assert_eq!(
            value.get_attribute(name).as_deref(),
            Some(expected_value),
            "{name}"
        );
    }
    assert!(value.has_attribute("data-1p-ignore"));
    assert!(value.has_attribute("data-bwignore"));
}

#[wasm_bindgen_test]
async fn failed_save_keeps_fields() {
    // The public key loads, and the create request fails as a network
    // error does, because the mock has no response for it.
    let key_pair = CompanyKeyPair::generate("key-1");
    let mock = FetchMock::install(json!({
        format!("GET {}", public_key_path()): [key_pair.response()],
    }));
    let form = mount_form(&[]);
    type_into(&form.key_input(), "api_key").await;
    type_into(&form.value_input(), "  sk_test_123\n").await;
    type_into(&form.find("#secret-description"), "Payments").await;

    form.save_button().click();
    let mut message = String::new();
    for _ in 0..40 {
        message = form.text("#secret-form-error");
        if !message.is_empty() {
            break;
        }
        sleep(50).await;
    }

    assert_eq!(
        message,
        "Could not reach the server. Check your connection and try again."
    );
    assert_eq!(mock.count("POST", &secrets_path()), 1, "no create request");
    assert_eq!(form.key_input().value(), "API_KEY");
    assert_eq!(form.value_input().value(), "  sk_test_123\n");
    assert_eq!(
        form.find::<HtmlInputElement>("#secret-description").value(),
        "Payments"
    );
    assert!(!form.save_button().disabled());
}

#[wasm_bindgen_test]
async fn section_load_error_shows_retry() {
    let section = mount_section();

    assert!(
        wait_for(&section, ".secrets-retry").await,
        "no Retry button after a failed load"
    );

    assert_eq!(section.text(".secrets-retry"), "Retry");
    assert!(section
        .text(".secrets-load-error")
        .contains("Could not reach the server."));
    assert!(
        !section.exists(".secrets-count"),
        "counter shown without a list"
    );
    assert!(
        section.exists("#secret-key"),
        "form hidden after a failed load"
    );
}

#[wasm_bindgen_test]
async fn section_intro_and_notice_region() {
    let section = mount_section();
    tick().await;

    assert_eq!(section.text("h2"), "Secrets");
    assert!(
        section.text(".secrets-intro").contains("every new task")
            || section.text(".secrets-intro").contains("Every new task")
    );
    assert!(section.exists(".secrets-notice[role=status]"));
}

#[wasm_bindgen_test]
async fn fields_have_labels_and_messages() {
    let form = mount_form(&[]);
    tick().await;
    let fields = [
        ("Key", "secret-key", "secret-key-message"),
        ("Value", "secret-value", "secret-value-message"),
        (
            "Description",
            "secret-description",
            "secret-description-message",
        ),
    ];

    for (label, id, message_id) in fields {
        assert_eq!(form.text(&format!("label[for={id}]")), label);
        let field: HtmlElement = form.find(&format!("#{id}"));
        let described_by = field.get_attribute("aria-describedby").unwrap_or_default();
        assert!(
            described_by.split(' ').any(|part| part == message_id),
            "{id}: {described_by}"
        );
        let message: HtmlElement = form.find(&format!("#{message_id}"));
        assert_eq!(
            message.get_attribute("aria-live").as_deref(),
            Some("polite"),
            "{message_id}"
        );
    }
    assert_eq!(
        form.find::<HtmlElement>("#secret-form-error")
            .get_attribute("role")
            .as_deref(),
        Some("alert")
    );
}

#[wasm_bindgen_test]
async fn value_paste_keeps_crlf() {
    return_unless_scripted_paste_is_readable!();
    let key_pair = CompanyKeyPair::generate("key-1");
    let mock = FetchMock::install(json!({
        format!("GET {}", public_key_path()): [key_pair.response()],
        format!("POST {}", secrets_path()): [{ "status": 201, "body": metadata("PEM") }],
    }));
    let form = mount_form(&[]);
    let value = form.value_input();
    type_into(&form.key_input(), "PEM").await;

    // Paste text with CRLF line breaks, then type one more character at the
    // end, as the owner would.
    value.focus().expect("focus value");
    assert!(paste(&value, "a\r\nb\r\n"), "paste left to the browser");
    tick().await;
    assert_eq!(value.value(), "a\nb\n");
    assert_eq!(value.selection_start().expect("caret"), Some(4));
    value.set_value("a\nb\nc");
    dispatch(&value, "input", true);
    tick().await;
    form.save_button().click();

    let sent = wait_until(|| mock.count("POST", &secrets_path()) == 1).await;
    assert!(sent, "no create request");
    let body = &create_bodies(&mock)[0];
    assert_eq!(key_pair.open(body), "a\r\nb\r\nc");
    assert_eq!(body["key"], "PEM");
}

#[wasm_bindgen_test]
async fn value_paste_replaces_selection() {
    return_unless_scripted_paste_is_readable!();
    let key_pair = CompanyKeyPair::generate("key-1");
    let mock = FetchMock::install(json!({
        format!("GET {}", public_key_path()): [key_pair.response()],
        format!("POST {}", secrets_path()): [{ "status": 201, "body": metadata("DOTENV") }],
    }));
    let form = mount_form(&[]);
    let value = form.value_input();
    type_into(&form.key_input(), "DOTENV").await;
    value.focus().expect("focus value");
    assert!(paste(&value, "A=1\r\nB=2\r\n"));
    tick().await;

    // Select "1\nB" and paste over it; then delete the last line break.
    value.set_selection_range(2, 5).expect("select");
    assert!(paste(&value, "9\r\nC"));
    tick().await;
    assert_eq!(value.value(), "A=9\nC=2\n");
    assert_eq!(value.selection_start().expect("caret"), Some(5));
    value.set_value("A=9\nC=2");
    dispatch(&value, "input", true);
    tick().await;
    form.save_button().click();

    assert!(wait_until(|| mock.count("POST", &secrets_path()) == 1).await);
    assert_eq!(key_pair.open(&create_bodies(&mock)[0]), "A=9\r\nC=2");
}

#[wasm_bindgen_test]
async fn value_paste_without_cr_left_to_browser() {
    let form = mount_form(&[]);
    let value = form.value_input();

    assert!(!paste(&value, "no carriage return\n"));
}

#[wasm_bindgen_test]
async fn fields_read_only_while_saving() {
    let key_pair = CompanyKeyPair::generate("key-1");
    let _mock = FetchMock::install(json!({
        format!("GET {}", public_key_path()): [key_pair.response()],
        format!("POST {}", secrets_path()): [{ "status": 201, "body": metadata("SLOW"), "delay_ms": 300 }],
    }));
    let form = mount_form(&[]);
    type_into(&form.key_input(), "SLOW").await;
    type_into(&form.value_input(), "v").await;

    form.save_button().click();
    tick().await;

    // Typing during the save would be wiped when the save clears the fields.
    let description = form.find::<HtmlInputElement>("#secret-description");
    assert!(form.key_input().read_only(), "key editable while saving");
    assert!(
        form.value_input().read_only(),
        "value editable while saving"
    );
    assert!(description.read_only(), "description editable while saving");

    let cleared = wait_until(|| form.key_input().value().is_empty()).await;
    assert!(cleared, "save did not finish");
    assert!(
        !form.key_input().read_only(),
        "key still read-only after the save"
    );
    assert!(
        !form.value_input().read_only(),
        "value still read-only after the save"
    );
}

#[wasm_bindgen_test]
async fn saved_form_clears_every_field() {
    return_unless_scripted_paste_is_readable!();
    let key_pair = CompanyKeyPair::generate("key-1");
    let mock = FetchMock::install(json!({
        format!("GET {}", public_key_path()): [key_pair.response()],
        format!("POST {}", secrets_path()): [{ "status": 201, "body": metadata("PEM") }],
    }));
    let form = mount_form(&[]);
    let value = form.value_input();
    type_into(&form.key_input(), "PEM").await;
    assert!(paste(&value, "x\r\ny"));
    type_into(&form.find("#secret-description"), "Key file").await;

    form.save_button().click();
    let cleared = wait_until(|| form.key_input().value().is_empty()).await;

    assert!(cleared, "key kept after a confirmed save");
    assert_eq!(mock.count("POST", &secrets_path()), 1);
    // A confirmed save mounts a new textarea, which must be empty, and the
    // old one leaves the page.
    assert_eq!(form.value_input().value(), "");
    assert!(!value.is_connected(), "old value field still in the page");
    assert_eq!(
        form.find::<HtmlInputElement>("#secret-description").value(),
        ""
    );
    assert!(form.save_button().disabled());
}

#[wasm_bindgen_test]
async fn form_error_clears_on_edit() {
    let fields = ["#secret-key", "#secret-value", "#secret-description"];
    for field in fields {
        let form = mount_form(&[]);
        type_into(&form.key_input(), "API_KEY").await;
        type_into(&form.value_input(), "sk_test_123").await;
        form.save_button().click();
        let failed = wait_until(|| !form.text("#secret-form-error").is_empty()).await;
        assert!(failed, "{field}: no error after a failed save");

        let element: HtmlElement = form.find(field);
        let typed = if field == "#secret-key" {
            "API_KEY_2"
        } else {
            "more"
        };
        type_into(&element, typed).await;

        assert_eq!(form.text("#secret-form-error"), "", "{field}");
    }
}

#[wasm_bindgen_test]
async fn duplicate_rejection_reloads_list() {
    let key_pair = CompanyKeyPair::generate("key-1");
    let mock = FetchMock::install(json!({
        format!("GET {}", public_key_path()): [key_pair.response()],
        format!("GET {}", secrets_path()): [
            { "status": 200, "body": list_body(&[], 50) },
            { "status": 200, "body": list_body(&["API_KEY"], 50) },
        ],
        format!("POST {}", secrets_path()): [
            { "status": 409, "body": error_body(ErrorCode::DuplicateKey, DUPLICATE_KEY_MESSAGE) },
        ],
    }));
    let section = mount_section();
    assert!(
        wait_for(&section, ".secrets-empty").await,
        "list not loaded"
    );
    type_into(&section.key_input(), "API_KEY").await;
    type_into(&section.value_input(), "sk_test_123").await;

    section.save_button().click();
    let reloaded = wait_for(&section, ".secret-row[data-key=API_KEY]").await;

    assert!(reloaded, "list not reloaded after the rejection");
    assert_eq!(mock.count("GET", &secrets_path()), 2);
    assert_eq!(section.text(".secrets-count"), "1 of 50");
    assert_eq!(section.text("#secret-form-error"), DUPLICATE_KEY_MESSAGE);
    assert_eq!(section.text("#secret-key-message"), DUPLICATE_KEY_MESSAGE);
    assert!(section.save_button().disabled());
    assert_eq!(section.value_input().value(), "sk_test_123");
}

#[wasm_bindgen_test]
async fn limit_rejection_reloads_list() {
    let message = limit_reached_message();
    let key_pair = CompanyKeyPair::generate("key-1");
    let mock = FetchMock::install(json!({
        format!("GET {}", public_key_path()): [key_pair.response()],
        format!("GET {}", secrets_path()): [
            { "status": 200, "body": list_body(&["A_KEY"], 2) },
            { "status": 200, "body": list_body(&["A_KEY", "B_KEY"], 2) },
        ],
        format!("POST {}", secrets_path()): [
            { "status": 409, "body": error_body(ErrorCode::LimitReached, &message) },
        ],
    }));
    let section = mount_section();
    assert!(
        wait_for(&section, ".secret-row[data-key=A_KEY]").await,
        "list not loaded"
    );
    type_into(&section.key_input(), "C_KEY").await;
    type_into(&section.value_input(), "sk_test_123").await;

    section.save_button().click();
    let reloaded = wait_for(&section, ".secret-row[data-key=B_KEY]").await;

    assert!(reloaded, "list not reloaded after the rejection");
    assert_eq!(mock.count("GET", &secrets_path()), 2);
    assert_eq!(section.text(".secrets-count"), "2 of 2");
    assert!(section.exists(".secret-form-limit"), "no limit message");
    assert!(section.save_button().disabled());
}

#[wasm_bindgen_test]
async fn network_failure_keeps_list() {
    // The create request fails as a network error does, because the mock
    // has no response for it.
    let key_pair = CompanyKeyPair::generate("key-1");
    let mock = FetchMock::install(json!({
        format!("GET {}", secrets_path()): [{ "status": 200, "body": list_body(&["A_KEY"], 50) }],
        format!("GET {}", public_key_path()): [key_pair.response()],
    }));
    let section = mount_section();
    assert!(
        wait_for(&section, ".secret-row[data-key=A_KEY]").await,
        "list not loaded"
    );
    type_into(&section.key_input(), "B_KEY").await;
    type_into(&section.value_input(), "sk_test_123").await;

    section.save_button().click();
    let failed = wait_until(|| !section.text("#secret-form-error").is_empty()).await;

    assert!(failed, "no error after a failed save");
    assert_eq!(mock.count("POST", &secrets_path()), 1, "no create request");
    assert_eq!(mock.count("GET", &secrets_path()), 1);
    assert!(
        !section.exists(".secret-row[data-key=B_KEY]"),
        "unconfirmed secret listed"
    );
}

/// Mounts a section that lists `keys`, deletes `deleted` with its Delete
/// button focused, and responds to the delete with `status`. Returns the
/// `id` of the element that has the focus afterwards, or the `data-key` of
/// the row when the focus is on a Delete button.
async fn focus_after_delete(keys: &[&str], deleted: &str, status: u16) -> String {
    let _mock = FetchMock::install(json!({
        format!("GET {}", secrets_path()): [{ "status": 200, "body": list_body(keys, 50) }],
        format!("DELETE {}", secret_path(deleted)): [
            if status == 204 { json!({ "status": 204 }) }
            else { json!({ "status": status, "body": error_body(ErrorCode::NotFound, "not found") }) },
        ],
    }));
    let section = mount_section();
    let row = format!(".secret-row[data-key={deleted}]");
    assert!(wait_for(&section, &row).await, "list not loaded");
    let button: HtmlButtonElement = section.find(&format!("{row} .secret-row-delete"));
    button.focus().expect("focus Delete");

    button.click();
    let removed = wait_until(|| !section.exists(&row)).await;
    assert!(removed, "{deleted}: row kept");
    sleep(100).await;

    let Some(focused) = focused_element() else {
        return String::new();
    };
    if !focused.id().is_empty() {
        return focused.id();
    }
    let focused_row = focused.closest("li").ok().flatten();
    let is_delete_button = focused.class_list().contains("secret-row-delete");
    match focused_row.and_then(|row| row.get_attribute("data-key")) {
        Some(key) if is_delete_button => key,
        _ => focused.tag_name(),
    }
}

#[wasm_bindgen_test]
async fn delete_moves_focus_to_neighbour() {
    // (listed keys, deleted key, delete status, expected focus)
    let cases = [
        (&["A_KEY", "B_KEY", "C_KEY"][..], "B_KEY", 204, "C_KEY"),
        (&["A_KEY", "B_KEY", "C_KEY"][..], "C_KEY", 204, "B_KEY"),
        (&["A_KEY", "B_KEY"][..], "A_KEY", 404, "B_KEY"),
        (&["A_KEY"][..], "A_KEY", 204, "secret-key"),
    ];
    for (keys, deleted, status, expected) in cases {
        let focused = focus_after_delete(keys, deleted, status).await;
        assert_eq!(focused, expected, "{keys:?} delete {deleted} ({status})");
    }
}

#[wasm_bindgen_test]
async fn value_edit_beside_equal_line_break() {
    return_unless_scripted_paste_is_readable!();
    // (pasted value, caret, command and its text, saved value). The edited
    // line break has a neighbour that looks the same, so only the caret
    // shows which one the owner changed.
    let cases = [
        ("a\r\nb", 1, "insertText", "\n", "a\n\r\nb"),
        ("A\r\n\nB", 1, "insertText", "\n", "A\n\r\n\nB"),
        ("A\r\n\nB", 2, "delete", "", "A\nB"),
        ("A\r\n\nB", 1, "forwardDelete", "", "A\nB"),
        ("A\n\r\nB", 2, "delete", "", "A\r\nB"),
    ];
    for (pasted, caret, command, argument, expected) in cases {
        let (form, mock, key_pair) = mount_form_with_key_mock();
        let value = form.value_input();
        value.focus().expect("focus value");
        assert!(
            paste(&value, pasted),
            "{pasted:?}: paste left to the browser"
        );
        tick().await;

        value.set_selection_range(caret, caret).expect("set caret");
        exec_command(command, argument).await;

        let saved = saved_value(&form, &mock, &key_pair).await;
        assert_eq!(saved, expected, "{pasted:?} at {caret}: {command}");
    }
}

#[wasm_bindgen_test]
async fn value_undo_redo_paste_keeps_bytes() {
    return_unless_scripted_paste_is_readable!();
    let (form, mock, key_pair) = mount_form_with_key_mock();
    let value = form.value_input();
    value.focus().expect("focus value");
    exec_command("insertText", "hello").await;
    assert!(paste(&value, "X\r\nY"), "paste left to the browser");
    tick().await;
    assert_eq!(value.value(), "helloX\nY");

    exec_command("undo", "").await;
    assert_eq!(value.value(), "hello", "after undo");
    exec_command("redo", "").await;
    assert_eq!(value.value(), "helloX\nY", "after redo");

    assert_eq!(saved_value(&form, &mock, &key_pair).await, "helloX\r\nY");
}

#[wasm_bindgen_test]
async fn value_undo_delete_restores_crs() {
    return_unless_scripted_paste_is_readable!();
    let (form, mock, key_pair) = mount_form_with_key_mock();
    let value = form.value_input();
    value.focus().expect("focus value");
    assert!(paste(&value, "X\r\nY\r\n"), "paste left to the browser");
    tick().await;

    // Select everything, delete it, and undo the deletion: the browser
    // restores the displayed text, with LF line breaks.
    value.select();
    exec_command("delete", "").await;
    assert_eq!(value.value(), "");
    exec_command("undo", "").await;
    assert_eq!(value.value(), "X\nY\n", "after undo");

    assert_eq!(saved_value(&form, &mock, &key_pair).await, "X\r\nY\r\n");
}

#[wasm_bindgen_test]
async fn value_paste_joining_cr_keeps_bytes() {
    return_unless_scripted_paste_is_readable!();
    let (form, mock, key_pair) = mount_form_with_key_mock();
    let value = form.value_input();
    value.focus().expect("focus value");

    // A lone CR followed by a pasted LF becomes one CRLF, which the
    // textarea shows as one line break, not two.
    assert!(paste(&value, "a\r"), "first paste left to the browser");
    tick().await;
    assert!(
        paste(&value, "\nb\r\nc"),
        "second paste left to the browser"
    );
    tick().await;
    assert_eq!(value.value(), "a\nb\nc");
    assert_eq!(value.selection_start().expect("caret"), Some(5));

    exec_command("undo", "").await;
    assert_eq!(value.value(), "a\n", "after undo");
    exec_command("redo", "").await;
    assert_eq!(value.value(), "a\nb\nc", "after redo");

    assert_eq!(saved_value(&form, &mock, &key_pair).await, "a\r\nb\r\nc");
}

#[wasm_bindgen_test]
async fn value_paste_unfocused_keeps_crlf() {
    return_unless_scripted_paste_is_readable!();
    let (form, mock, key_pair) = mount_form_with_key_mock();
    let value = form.value_input();
    let key = form.key_input();
    type_into(&key, "KEY").await;
    key.focus().expect("focus key");

    // A paste event dispatched by a script can reach the textarea while
    // another field has the focus, and `execCommand` would edit that field.
    assert!(paste(&value, "x\r\ny"), "paste left to the browser");
    tick().await;

    assert_eq!(value.value(), "x\ny");
    assert_eq!(key.value(), "KEY");
    assert_eq!(saved_value(&form, &mock, &key_pair).await, "x\r\ny");
}

/// Dispatches a `keydown` of `key` on `target`, as pressing the key does.
/// Returns `true` when a handler prevented the browser's default action.
async fn press_key(target: &HtmlElement, key: &str) -> bool {
    let press = js_sys::Function::new_with_args(
        "target, key",
        r#"
        const event = new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true });
        target.dispatchEvent(event);
        return event.defaultPrevented;
        "#,
    );
    let prevented = press
        .call2(&JsValue::NULL, target, &JsValue::from_str(key))
        .expect("dispatch keydown");
    tick().await;
    prevented.as_bool().unwrap_or(false)
}

fn activity_path() -> String {
    paths::activity_page(&company(), None)
}

fn older_activity_path(before: i64) -> String {
    paths::activity_page(&company(), Some(before))
}

fn activity_event(id: i64, action: ActivityAction, key: &str, member: &str) -> ActivityEvent {
    ActivityEvent {
        id,
        action,
        key: SecretKey::parse(key).expect("valid key"),
        member: member.to_owned(),
        occurred_at: "2026-12-04T23:16:05Z".to_owned(),
    }
}

fn activity_body(events: Vec<ActivityEvent>, next_before: Option<i64>) -> serde_json::Value {
    let page = ActivityPage {
        events,
        next_before,
    };
    serde_json::to_value(page).expect("serialize activity page")
}

/// Returns a page of `added` events for the keys `KEY_<id>`, one per ID in
/// `ids`, newest first.
fn numbered_activity_body(ids: &[i64], next_before: Option<i64>) -> serde_json::Value {
    let events = ids
        .iter()
        .map(|&id| activity_event(id, ActivityAction::Added, &format!("KEY_{id}"), "owner"))
        .collect();
    activity_body(events, next_before)
}

fn metadata_with_description(key: &str, description: &str) -> SecretMetadata {
    SecretMetadata {
        description: Description::parse(description).expect("valid description"),
        ..metadata(key)
    }
}

/// Returns the PATCH responses of a save that stored `description` for
/// `API_KEY`.
fn saved_response(description: &str) -> serde_json::Value {
    let saved = metadata_with_description("API_KEY", description);
    json!([{ "status": 200, "body": saved }])
}

const EDITED_ROW: &str = ".secret-row[data-key=API_KEY]";

/// Mounts a section whose list has `API_KEY` with the description
/// "Payments" and whose activity is empty. A PATCH of `API_KEY` receives
/// the `patch` responses.
async fn mount_section_with_patch(patch: serde_json::Value) -> (Mounted, FetchMock) {
    let list = SecretList {
        secrets: vec![metadata_with_description("API_KEY", "Payments")],
        limit: 50,
    };
    let mock = FetchMock::install(json!({
        format!("GET {}", secrets_path()): [{ "status": 200, "body": list }],
        format!("GET {}", activity_path()): [{ "status": 200, "body": activity_body(vec![], None) }],
        format!("PATCH {}", secret_path("API_KEY")): patch,
    }));
    let section = mount_section();
    assert!(wait_for(&section, EDITED_ROW).await, "list not loaded");
    (section, mock)
}

/// Clicks the Edit description button of `API_KEY` and returns the input
/// that replaces the description.
async fn open_editor(section: &Mounted) -> HtmlInputElement {
    section
        .find::<HtmlButtonElement>(&format!("{EDITED_ROW} .secret-row-edit"))
        .click();
    let input = format!("{EDITED_ROW} .description-editor-input");
    assert!(wait_for(section, &input).await, "no description input");
    section.find(&input)
}

fn editor_save_button(section: &Mounted) -> HtmlButtonElement {
    section.find(&format!("{EDITED_ROW} .description-editor-save"))
}

fn row_description(section: &Mounted) -> String {
    let selector = format!("{EDITED_ROW} .secret-row-description");
    if section.exists(&selector) {
        section.text(&selector)
    } else {
        String::new()
    }
}

/// Returns `true` when the focus is on the Edit description button of
/// `API_KEY`.
fn edit_button_has_focus() -> bool {
    focused_element().is_some_and(|element| {
        element.class_list().contains("secret-row-edit")
            && element.get_attribute("aria-label").as_deref() == Some("Edit description of API_KEY")
    })
}

#[wasm_bindgen_test]
async fn description_edit_saves_and_refocuses() {
    let typed = "<i>Orders</i> webhook";
    let (section, mock) = mount_section_with_patch(saved_response(typed)).await;
    let edit_button: HtmlElement = section.find(&format!("{EDITED_ROW} .secret-row-edit"));
    assert_eq!(
        edit_button.get_attribute("aria-label").as_deref(),
        Some("Edit description of API_KEY")
    );
    assert_eq!(
        edit_button.text_content().as_deref(),
        Some("Edit description")
    );

    let input = open_editor(&section).await;
    assert_eq!(input.value(), "Payments");
    let input_focused = wait_until(|| focused_element() == Some(input.clone().into())).await;
    assert!(input_focused, "description input not focused");
    type_into(&input, typed).await;
    editor_save_button(&section).click();

    let updated = wait_until(|| row_description(&section) == typed).await;
    assert!(updated, "row still shows {:?}", row_description(&section));
    let patches: Vec<LoggedRequest> = mock
        .requests()
        .into_iter()
        .filter(|request| request.method == "PATCH")
        .collect();
    assert_eq!(patches.len(), 1);
    assert_eq!(patches[0].path, secret_path("API_KEY"));
    assert_eq!(
        patches[0].body,
        r#"{"description":"<i>Orders</i> webhook"}"#
    );
    assert_eq!(patches[0].content_type, "application/json");
    assert!(!section.exists(".description-editor"), "editor still open");
    assert!(
        !section.exists(".secret-row i"),
        "description parsed as HTML"
    );
    assert!(
        wait_until(edit_button_has_focus).await,
        "focus not on the Edit button: {:?}",
        focused_element().map(|element| element.outer_html())
    );
    assert_eq!(
        section.text(".secrets-notice"),
        "The description of API_KEY was saved."
    );
}

#[wasm_bindgen_test]
async fn description_enter_saves() {
    let (section, mock) = mount_section_with_patch(saved_response("Refunds")).await;
    let input = open_editor(&section).await;
    type_into(&input, "Refunds").await;

    let prevented = press_key(&input, "Enter").await;

    assert!(prevented, "Enter left to the browser");
    let updated = wait_until(|| row_description(&section) == "Refunds").await;
    assert!(updated, "row not updated after Enter");
    assert_eq!(mock.count("PATCH", &secret_path("API_KEY")), 1);
}

#[wasm_bindgen_test]
async fn description_escape_cancels() {
    let (section, mock) = mount_section_with_patch(saved_response("Changed")).await;
    let input = open_editor(&section).await;
    type_into(&input, "Changed").await;

    let prevented = press_key(&input, "Escape").await;

    assert!(prevented, "Escape left to the browser");
    let closed = wait_until(|| !section.exists(".description-editor")).await;
    assert!(closed, "editor still open after Escape");
    assert_eq!(row_description(&section), "Payments");
    assert!(
        wait_until(edit_button_has_focus).await,
        "focus not on the Edit button after Escape"
    );

    // The Cancel button discards the text too, and reopening starts from
    // the stored description.
    let input = open_editor(&section).await;
    assert_eq!(input.value(), "Payments");
    type_into(&input, "Changed again").await;
    section
        .find::<HtmlButtonElement>(".description-editor-cancel")
        .click();
    let closed = wait_until(|| !section.exists(".description-editor")).await;
    assert!(closed, "editor still open after Cancel");
    assert_eq!(row_description(&section), "Payments");
    assert!(
        wait_until(edit_button_has_focus).await,
        "focus not on the Edit button after Cancel"
    );

    sleep(100).await;
    assert_eq!(mock.count("PATCH", &secret_path("API_KEY")), 0);
}

#[wasm_bindgen_test]
async fn description_invalid_disables_save() {
    let (section, mock) = mount_section_with_patch(saved_response("Changed")).await;
    let input = open_editor(&section).await;
    let message = format!("{EDITED_ROW} .description-editor-message");
    assert!(
        editor_save_button(&section).disabled(),
        "Save enabled for the unchanged description"
    );

    type_into(&input, &"x".repeat(201)).await;
    assert_eq!(
        section.text(&message),
        DescriptionError::TooLong { length: 201 }.to_string()
    );
    assert!(
        editor_save_button(&section).disabled(),
        "Save enabled for a long description"
    );
    assert_eq!(input.get_attribute("aria-invalid").as_deref(), Some("true"));
    press_key(&input, "Enter").await;

    type_into(&input, "abc\u{202E}gnp.exe").await;
    assert_eq!(
        section.text(&message),
        DescriptionError::DirectionControl.to_string()
    );
    assert!(
        editor_save_button(&section).disabled(),
        "Save enabled for a direction control"
    );

    type_into(&input, "Payments").await;
    assert_eq!(section.text(&message), "");
    assert!(
        editor_save_button(&section).disabled(),
        "Save enabled after typing the stored description again"
    );

    type_into(&input, "Payments and refunds").await;
    assert!(
        !editor_save_button(&section).disabled(),
        "Save disabled for a valid change"
    );
    sleep(100).await;
    assert_eq!(mock.count("PATCH", &secret_path("API_KEY")), 0);
}

#[wasm_bindgen_test]
async fn description_not_found_keeps_text() {
    let (section, mock) = mount_section_with_patch(json!([
        { "status": 404, "body": error_body(ErrorCode::NotFound, "Not found.") },
    ]))
    .await;
    let input = open_editor(&section).await;
    type_into(&input, "Refunds").await;

    editor_save_button(&section).click();
    let error = format!("{EDITED_ROW} .description-editor-error");
    let failed = wait_until(|| !section.text(&error).is_empty()).await;

    assert!(failed, "no message after a 404");
    assert_eq!(
        section.text(&error),
        "API_KEY no longer exists, so its description was not saved."
    );
    assert_eq!(
        section
            .find::<HtmlElement>(&error)
            .get_attribute("role")
            .as_deref(),
        Some("alert")
    );
    assert_eq!(input.value(), "Refunds");
    let reloaded = wait_until(|| mock.count("GET", &secrets_path()) == 2).await;
    assert!(reloaded, "list not reloaded after a 404");
    assert_eq!(
        section.text(".secrets-notice"),
        "API_KEY no longer exists, so the list of secrets is reloading."
    );
}

#[wasm_bindgen_test]
async fn description_rate_limited_keeps_text() {
    let message = "You made too many changes. Wait 30 seconds and try again.";
    let (section, mock) = mount_section_with_patch(json!([
        { "status": 429, "body": error_body(ErrorCode::RateLimited, message), "delay_ms": 200 },
    ]))
    .await;
    let input = open_editor(&section).await;
    type_into(&input, "Refunds").await;

    editor_save_button(&section).click();
    tick().await;
    assert!(
        editor_save_button(&section).disabled(),
        "Save enabled while saving"
    );
    assert!(
        section
            .find::<HtmlButtonElement>(".description-editor-cancel")
            .disabled(),
        "Cancel enabled while saving"
    );
    assert!(input.read_only(), "input editable while saving");
    let error = format!("{EDITED_ROW} .description-editor-error");
    let failed = wait_until(|| !section.text(&error).is_empty()).await;

    assert!(failed, "no message after a 429");
    assert_eq!(section.text(&error), message);
    assert_eq!(input.value(), "Refunds");
    assert!(!input.read_only(), "input read-only after a failure");
    assert!(
        !editor_save_button(&section).disabled(),
        "Save disabled after a failure"
    );
    assert_eq!(
        row_description(&section),
        "",
        "description shown while editing"
    );
    assert_eq!(mock.count("GET", &secrets_path()), 1);

    // Typing hides the message, which described the text as it was.
    type_into(&input, "Refunds only").await;
    assert_eq!(section.text(&error), "");
}

#[wasm_bindgen_test]
async fn activity_lists_events_in_order() {
    let events = vec![
        activity_event(3, ActivityAction::Removed, "OLD_KEY", "owner"),
        activity_event(2, ActivityAction::Updated, "STRIPE_API_KEY", "owner"),
        activity_event(1, ActivityAction::Added, "STRIPE_API_KEY", "owner"),
    ];
    let _mock = FetchMock::install(json!({
        format!("GET {}", secrets_path()): [{ "status": 200, "body": list_body(&[], 50) }],
        format!("GET {}", activity_path()): [{ "status": 200, "body": activity_body(events, None) }],
    }));
    let section = mount_section();
    assert!(
        wait_for(&section, ".activity-event").await,
        "activity not loaded"
    );

    assert_eq!(section.text(".activity h3"), "Activity");
    assert!(section.exists(".activity ol.activity-list"));
    let items = section.find_all(".activity-event");
    let rendered: Vec<(String, String, String)> = items
        .iter()
        .map(|item| {
            let text = item
                .query_selector(".activity-event-text")
                .ok()
                .flatten()
                .and_then(|text| text.text_content())
                .unwrap_or_default();
            (
                item.get_attribute("data-action").unwrap_or_default(),
                item.get_attribute("data-key").unwrap_or_default(),
                text,
            )
        })
        .collect();
    let expected = [
        ("removed", "OLD_KEY", "owner removed OLD_KEY"),
        (
            "updated",
            "STRIPE_API_KEY",
            "owner updated the description of STRIPE_API_KEY",
        ),
        ("added", "STRIPE_API_KEY", "owner added STRIPE_API_KEY"),
    ]
    .map(|(action, key, text)| (action.to_owned(), key.to_owned(), text.to_owned()));
    assert_eq!(rendered, expected);

    let time: HtmlElement = section.find(".activity-event time");
    assert_eq!(
        time.get_attribute("datetime").as_deref(),
        Some("2026-12-04T23:16:05Z")
    );
    assert_eq!(time.text_content().as_deref(), Some("2026-12-04 23:16 UTC"));
    assert!(
        !section.exists(".activity-older"),
        "Show older activity on the last page"
    );
}

/// At page load the list's request goes out alone, and the activity's
/// only once the list has arrived, so that the rows come first.
#[wasm_bindgen_test]
async fn activity_requested_after_list_arrives() {
    let mock = FetchMock::install(json!({
        format!("GET {}", secrets_path()): [
            { "status": 200, "body": list_body(&["API_KEY"], 50), "delay_ms": 200 },
        ],
        format!("GET {}", activity_path()): [{ "status": 200, "body": activity_body(vec![], None) }],
    }));
    let section = mount_section();
    sleep(100).await;
    assert_eq!(mock.count("GET", &secrets_path()), 1);
    assert_eq!(
        mock.count("GET", &activity_path()),
        0,
        "activity requested while the list loads"
    );

    assert!(
        wait_for(&section, ".activity-empty").await,
        "activity not loaded after the list"
    );
    assert!(section.exists(".secret-row[data-key=API_KEY]"));
    assert_eq!(mock.count("GET", &activity_path()), 1);
}

#[wasm_bindgen_test]
async fn activity_empty_state() {
    let _mock = FetchMock::install(json!({
        format!("GET {}", secrets_path()): [{ "status": 200, "body": list_body(&[], 50) }],
        format!("GET {}", activity_path()): [{ "status": 200, "body": activity_body(vec![], None) }],
    }));
    let section = mount_section();

    assert!(
        wait_for(&section, ".activity-empty").await,
        "no empty state"
    );
    assert_eq!(section.text(".activity-empty"), "No activity yet.");
    assert!(!section.exists(".activity-list"));
    assert!(!section.exists(".activity-older"));
}

#[wasm_bindgen_test]
async fn activity_show_older_appends() {
    let _mock = FetchMock::install(json!({
        format!("GET {}", secrets_path()): [{ "status": 200, "body": list_body(&[], 50) }],
        format!("GET {}", activity_path()): [
            { "status": 200, "body": numbered_activity_body(&[5, 4, 3], Some(3)) },
        ],
        format!("GET {}", older_activity_path(3)): [
            { "status": 200, "body": numbered_activity_body(&[2, 1], None), "delay_ms": 300 },
        ],
    }));
    let section = mount_section();
    assert!(
        wait_for(&section, ".activity-older").await,
        "no Show older activity button"
    );
    let button: HtmlButtonElement = section.find(".activity-older");
    assert_eq!(
        button.text_content().as_deref(),
        Some("Show older activity")
    );

    button.click();
    tick().await;
    assert!(button.disabled(), "button enabled while loading");
    let appended = wait_until(|| section.find_all(".activity-event").len() == 5).await;

    assert!(appended, "older page not appended");
    let keys: Vec<String> = section
        .find_all(".activity-event")
        .iter()
        .map(|item| item.get_attribute("data-key").unwrap_or_default())
        .collect();
    assert_eq!(keys, ["KEY_5", "KEY_4", "KEY_3", "KEY_2", "KEY_1"]);
    assert!(
        !section.exists(".activity-older"),
        "Show older activity after the last page"
    );
}

#[wasm_bindgen_test]
async fn activity_refresh_keeps_older_pages() {
    let mock = FetchMock::install(json!({
        format!("GET {}", secrets_path()): [{ "status": 200, "body": list_body(&["A_KEY"], 50) }],
        format!("DELETE {}", secret_path("A_KEY")): [{ "status": 204 }],
        format!("GET {}", activity_path()): [
            { "status": 200, "body": numbered_activity_body(&[5, 4, 3], Some(3)) },
            { "status": 200, "body": numbered_activity_body(&[6, 5, 4], Some(4)) },
        ],
        format!("GET {}", older_activity_path(3)): [
            { "status": 200, "body": numbered_activity_body(&[2, 1], None) },
        ],
        format!("GET {}", older_activity_path(4)): [
            { "status": 200, "body": numbered_activity_body(&[3, 2, 1], None) },
        ],
    }));
    let section = mount_section();
    assert!(
        wait_for(&section, ".activity-older").await,
        "activity not loaded"
    );
    section.find::<HtmlButtonElement>(".activity-older").click();
    let appended = wait_until(|| section.find_all(".activity-event").len() == 5).await;
    assert!(appended, "older page not appended");

    // A confirmed delete reloads the newest page, which now starts with a
    // new event and ends above the older page already shown.
    section
        .find::<HtmlButtonElement>(".secret-row[data-key=A_KEY] .secret-row-delete")
        .click();
    let reloaded = wait_until(|| section.find_all(".activity-event").len() == 6).await;

    assert!(reloaded, "newest page not reloaded");
    let keys: Vec<String> = section
        .find_all(".activity-event")
        .iter()
        .map(|item| item.get_attribute("data-key").unwrap_or_default())
        .collect();
    assert_eq!(keys, ["KEY_6", "KEY_5", "KEY_4", "KEY_3", "KEY_2", "KEY_1"]);
    assert_eq!(mock.count("GET", &activity_path()), 2);
    assert_eq!(mock.count("GET", &older_activity_path(4)), 1);
}

#[wasm_bindgen_test]
async fn activity_member_renders_as_text() {
    let member = r#"<img src=x onerror="window.activityMemberRan = true">"#;
    let events = vec![activity_event(1, ActivityAction::Added, "API_KEY", member)];
    let _mock = FetchMock::install(json!({
        format!("GET {}", secrets_path()): [{ "status": 200, "body": list_body(&[], 50) }],
        format!("GET {}", activity_path()): [{ "status": 200, "body": activity_body(events, None) }],
    }));
    let section = mount_section();
    assert!(
        wait_for(&section, ".activity-event").await,
        "activity not loaded"
    );
    sleep(100).await;

    assert_eq!(section.text(".activity-event-member"), member);
    assert!(
        !section.exists(".activity img"),
        "member name parsed as HTML"
    );
    let ran =
        js_sys::Reflect::get(&js_sys::global(), &"activityMemberRan".into()).expect("read global");
    assert!(ran.is_undefined(), "onerror handler ran");
}

#[wasm_bindgen_test]
async fn activity_load_error_shows_retry() {
    let _mock = FetchMock::install(json!({
        format!("GET {}", secrets_path()): [{ "status": 200, "body": list_body(&[], 50) }],
        format!("GET {}", activity_path()): [
            { "status": 500, "body": error_body(ErrorCode::Internal, "Internal error.") },
            { "status": 200, "body": numbered_activity_body(&[1], None) },
        ],
    }));
    let section = mount_section();
    assert!(
        wait_for(&section, ".activity .secrets-retry").await,
        "no Retry button after a failed load"
    );

    let message = section.text(".activity .secrets-load-error");
    assert!(
        message.starts_with("The activity could not be loaded."),
        "{message}"
    );
    assert!(message.contains("HTTP status 500"), "{message}");
    assert!(
        !section.exists(".secrets-section > .secrets-load-error"),
        "secrets list reported as failed"
    );

    section
        .find::<HtmlButtonElement>(".activity .secrets-retry")
        .click();
    assert!(
        wait_for(&section, ".activity-event").await,
        "activity not loaded after Retry"
    );
}

#[wasm_bindgen_test]
async fn activity_refreshes_after_changes() {
    let list = SecretList {
        secrets: vec![metadata("A_KEY"), metadata("B_KEY")],
        limit: 50,
    };
    let key_pair = CompanyKeyPair::generate("key-1");
    let mock = FetchMock::install(json!({
        format!("GET {}", secrets_path()): [{ "status": 200, "body": list }],
        format!("GET {}", activity_path()): [{ "status": 200, "body": activity_body(vec![], None) }],
        format!("GET {}", public_key_path()): [key_pair.response()],
        format!("POST {}", secrets_path()): [{ "status": 201, "body": metadata("NEW_KEY") }],
        format!("DELETE {}", secret_path("A_KEY")): [{ "status": 204 }],
        format!("PATCH {}", secret_path("B_KEY")): [
            { "status": 200, "body": metadata_with_description("B_KEY", "Refunds") },
        ],
    }));
    let section = mount_section();
    assert!(
        wait_for(&section, ".activity-empty").await,
        "activity not loaded"
    );
    assert_eq!(mock.count("GET", &activity_path()), 1);

    // Add a secret.
    type_into(&section.key_input(), "NEW_KEY").await;
    type_into(&section.value_input(), "v").await;
    section.save_button().click();
    let refreshed = wait_until(|| mock.count("GET", &activity_path()) == 2).await;
    assert!(refreshed, "activity not reloaded after an add");

    // Delete a secret.
    section
        .find::<HtmlButtonElement>(".secret-row[data-key=A_KEY] .secret-row-delete")
        .click();
    let refreshed = wait_until(|| mock.count("GET", &activity_path()) == 3).await;
    assert!(refreshed, "activity not reloaded after a delete");

    // Change a description.
    section
        .find::<HtmlButtonElement>(".secret-row[data-key=B_KEY] .secret-row-edit")
        .click();
    let input = ".secret-row[data-key=B_KEY] .description-editor-input";
    assert!(wait_for(&section, input).await, "no description input");
    type_into(&section.find(input), "Refunds").await;
    section
        .find::<HtmlButtonElement>(".secret-row[data-key=B_KEY] .description-editor-save")
        .click();
    let refreshed = wait_until(|| mock.count("GET", &activity_path()) == 4).await;
    assert!(
        refreshed,
        "activity not reloaded after a description update"
    );

    sleep(100).await;
    assert_eq!(mock.count("GET", &activity_path()), 4, "extra reloads");
}

const SIGNED_OUT_MESSAGE: &str = "You are signed out. Open a new login link to sign in again.";
const SIGN_OUT_BUTTON: &str = ".secrets-sign-out-button";
const SIGN_OUT_ERROR: &str = ".secrets-sign-out-error";

/// Mounts a section whose list has `API_KEY` with the description
/// "Payments" and whose activity has one event by "Ada Lovelace". The
/// sign-out request receives the `session` responses. An empty list makes
/// it fail as a network error does.
async fn mount_section_with_session(session: serde_json::Value) -> (Mounted, FetchMock) {
    mount_section_with_session_and_api(session, Api::new(UNREACHABLE_API)).await
}

/// Mounts the section of [`mount_section_with_session`] with `api`, which
/// the test may keep a clone of.
async fn mount_section_with_session_and_api(
    session: serde_json::Value,
    api: Api,
) -> (Mounted, FetchMock) {
    let list = SecretList {
        secrets: vec![metadata_with_description("API_KEY", "Payments")],
        limit: 50,
    };
    let events = vec![activity_event(
        1,
        ActivityAction::Added,
        "API_KEY",
        "Ada Lovelace",
    )];
    let key_pair = CompanyKeyPair::generate("key-1");
    let mock = FetchMock::install(json!({
        format!("GET {}", secrets_path()): [{ "status": 200, "body": list }],
        format!("GET {}", activity_path()): [{ "status": 200, "body": activity_body(events, None) }],
        format!("GET {}", public_key_path()): [key_pair.response()],
        format!("POST {}", secrets_path()): [
            { "status": 201, "body": metadata("NEW_KEY"), "delay_ms": 500 },
        ],
        format!("DELETE {}", paths::SESSION_ROUTE): session,
    }));
    let section = mount_section_with_api(api);
    assert!(wait_for(&section, EDITED_ROW).await, "list not loaded");
    assert!(
        wait_for(&section, ".activity-event").await,
        "activity not loaded"
    );
    (section, mock)
}

fn section_text(section: &Mounted) -> String {
    section.container.text_content().unwrap_or_default()
}

async fn wait_until_signed_out(section: &Mounted) -> bool {
    wait_until(|| section.text(".secrets-notice") == SIGNED_OUT_MESSAGE).await
}

#[wasm_bindgen_test]
async fn sign_out_sends_one_delete() {
    let (section, mock) = mount_section_with_session(json!([{ "status": 204 }])).await;
    let button: HtmlButtonElement = section.find(SIGN_OUT_BUTTON);
    assert_eq!(button.text_content().as_deref(), Some("Sign out"));

    button.click();
    button.click();
    assert!(
        wait_until_signed_out(&section).await,
        "no signed-out message"
    );
    sleep(200).await;

    assert_eq!(mock.count("DELETE", paths::SESSION_ROUTE), 1);
    let deletes: Vec<LoggedRequest> = mock
        .requests()
        .into_iter()
        .filter(|request| request.method == "DELETE")
        .collect();
    assert_eq!(deletes.len(), 1, "{deletes:?}");
    assert_eq!(deletes[0].body, "", "sign-out request has a body");
    assert_eq!(mock.count("GET", &secrets_path()), 1, "list reloaded");
    assert_eq!(mock.count("GET", &activity_path()), 1, "activity reloaded");
}

#[wasm_bindgen_test]
async fn sign_out_disabled_while_pending() {
    let (section, mock) =
        mount_section_with_session(json!([{ "status": 204, "delay_ms": 400 }])).await;
    let button: HtmlButtonElement = section.find(SIGN_OUT_BUTTON);

    button.click();
    tick().await;

    assert!(button.disabled(), "button enabled while signing out");
    assert_eq!(button.text_content().as_deref(), Some("Signing out…"));
    assert_eq!(button.get_attribute("aria-busy").as_deref(), Some("true"));
    assert!(
        section.exists(EDITED_ROW),
        "list hidden before the server confirmed"
    );
    button.click();
    assert!(
        wait_until_signed_out(&section).await,
        "no signed-out message"
    );
    assert_eq!(mock.count("DELETE", paths::SESSION_ROUTE), 1);
}

#[wasm_bindgen_test]
async fn sign_out_hides_company_data() {
    let (section, _mock) = mount_section_with_session(json!([{ "status": 204 }])).await;
    type_into(&section.key_input(), "TYPED_KEY").await;
    type_into(&section.value_input(), "sk_typed_value").await;

    section.find::<HtmlButtonElement>(SIGN_OUT_BUTTON).click();
    assert!(
        wait_until_signed_out(&section).await,
        "no signed-out message"
    );

    assert!(section.exists(".secrets-notice[role=status]"));
    assert_eq!(section.text("h2"), "Secrets");
    for hidden in [
        ".secret-row",
        ".secrets-empty",
        ".secret-form",
        "input",
        "textarea",
        ".activity",
        ".secrets-count",
        ".secrets-intro",
        SIGN_OUT_BUTTON,
    ] {
        assert!(!section.exists(hidden), "{hidden} still shown");
    }
    let text = section_text(&section);
    for company_data in ["API_KEY", "Payments", "Ada Lovelace", "TYPED_KEY"] {
        assert!(!text.contains(company_data), "{company_data} in {text:?}");
    }
    let html = section.container.inner_html();
    assert!(!html.contains("sk_typed_value"), "typed value in the DOM");
}

#[wasm_bindgen_test]
async fn sign_out_focuses_message() {
    let (section, _mock) = mount_section_with_session(json!([{ "status": 204 }])).await;
    let button: HtmlButtonElement = section.find(SIGN_OUT_BUTTON);
    button.focus().expect("focus Sign out");

    button.click();
    assert!(
        wait_until_signed_out(&section).await,
        "no signed-out message"
    );
    sleep(100).await;

    let focused = focused_element().expect("an element has the focus");
    assert!(
        focused.class_list().contains("secrets-notice"),
        "focus on {}",
        focused.outer_html()
    );
}

#[wasm_bindgen_test]
async fn sign_out_unauthorized_counts_as_success() {
    let response = json!([{
        "status": 401,
        "body": error_body(ErrorCode::Unauthorized, "No valid credential."),
    }]);
    let (section, _mock) = mount_section_with_session(response).await;

    section.find::<HtmlButtonElement>(SIGN_OUT_BUTTON).click();

    assert!(
        wait_until_signed_out(&section).await,
        "no signed-out message"
    );
    assert!(!section.exists(EDITED_ROW), "list still shown");
}

#[wasm_bindgen_test]
async fn sign_out_failure_keeps_section() {
    let not_a_session = "This request is authenticated by an API token, not a browser session.";
    let cross_origin = "This change came from a page outside the Secrets section.";
    // (case, responses, expected part of the error)
    let cases = [
        (
            "not_a_session",
            json!([{ "status": 400, "body": error_body(ErrorCode::NotASession, not_a_session) }]),
            not_a_session,
        ),
        (
            "cross_origin",
            json!([{ "status": 403, "body": error_body(ErrorCode::CrossOrigin, cross_origin) }]),
            cross_origin,
        ),
        (
            "server error",
            json!([{ "status": 500, "body": error_body(ErrorCode::Internal, "Internal error.") }]),
            "HTTP status 500",
        ),
        ("network", json!([]), "Could not reach the server."),
    ];
    for (case, responses, expected) in cases {
        let (section, mock) = mount_section_with_session(responses).await;
        let button: HtmlButtonElement = section.find(SIGN_OUT_BUTTON);

        button.click();
        let failed = wait_until(|| !section.text(SIGN_OUT_ERROR).is_empty()).await;

        assert!(failed, "{case}: no error");
        assert_eq!(mock.count("DELETE", paths::SESSION_ROUTE), 1, "{case}");
        let error = section.text(SIGN_OUT_ERROR);
        assert!(error.starts_with("Could not sign out. "), "{case}: {error}");
        assert!(error.contains(expected), "{case}: {error}");
        assert!(
            section.exists(&format!("{SIGN_OUT_ERROR}[role=alert]")),
            "{case}"
        );
        assert!(!button.disabled(), "{case}: button stays disabled");
        assert_eq!(button.text_content().as_deref(), Some("Sign out"), "{case}");
        assert!(section.exists(EDITED_ROW), "{case}: list hidden");
        assert!(section.exists("#secret-key"), "{case}: form hidden");
        assert!(section.exists(".activity-event"), "{case}: activity hidden");
        assert_eq!(section.text(".secrets-count"), "1 of 50", "{case}");
        assert_eq!(section.text(".secrets-notice"), "", "{case}");
    }
}

#[wasm_bindgen_test]
async fn sign_out_ignores_late_save() {
    let (section, mock) = mount_section_with_session(json!([{ "status": 204 }])).await;
    type_into(&section.key_input(), "NEW_KEY").await;
    type_into(&section.value_input(), "v").await;

    // The save responds after 500 ms, long after the sign-out.
    section.save_button().click();
    tick().await;
    section.find::<HtmlButtonElement>(SIGN_OUT_BUTTON).click();
    assert!(
        wait_until_signed_out(&section).await,
        "no signed-out message"
    );
    sleep(800).await;

    assert_eq!(mock.count("POST", &secrets_path()), 1, "save not sent");
    assert_eq!(section.text(".secrets-notice"), SIGNED_OUT_MESSAGE);
    let text = section_text(&section);
    assert!(!text.contains("NEW_KEY"), "{text:?}");
    assert_eq!(mock.count("GET", &secrets_path()), 1, "list reloaded");
    assert_eq!(mock.count("GET", &activity_path()), 1, "activity reloaded");
}

#[wasm_bindgen_test]
async fn sign_out_hidden_when_disabled() {
    let _mock = FetchMock::install(json!({
        format!("GET {}", secrets_path()): [{ "status": 200, "body": list_body(&["A_KEY"], 50) }],
    }));
    let container = container();
    let handle = mount_to(container.clone(), || {
        view! {
            <SecretsSection company=company() api=Api::new(UNREACHABLE_API) show_sign_out=false />
        }
    });
    let section = Mounted {
        container,
        _handle: Box::new(handle),
    };

    assert!(
        wait_for(&section, ".secret-row[data-key=A_KEY]").await,
        "list not loaded"
    );
    assert!(section.exists(".secrets-count"), "no counter");
    assert!(!section.exists(SIGN_OUT_BUTTON), "Sign out shown");
}

fn unsealed_secret(key: &str, value: &str) -> UnsealedSecret {
    UnsealedSecret {
        key: SecretKey::parse(key).expect("valid key"),
        value: SecretValue::new(Zeroizing::new(value.to_owned())).expect("valid value"),
        description: Description::default(),
    }
}

/// Types `key` and `value`, clicks Save and waits until the form is
/// cleared, which it is after a confirmed save.
async fn save_in_form(form: &Mounted, key: &str, value: &str) {
    type_into(&form.key_input(), key).await;
    type_into(&form.value_input(), value).await;
    form.save_button().click();
    let cleared = wait_until(|| form.key_input().value().is_empty()).await;
    assert!(
        cleared,
        "{key}: not saved: {:?}",
        form.text("#secret-form-error")
    );
}

#[wasm_bindgen_test]
async fn create_body_has_no_plaintext() {
    return_unless_scripted_paste_is_readable!();
    let canary = "  sk_canary_7Hq2 Grüße 日本\r\n-----END-----\n";
    let key_pair = CompanyKeyPair::generate("key-1");
    let mock = FetchMock::install(json!({
        format!("GET {}", public_key_path()): [key_pair.response()],
        format!("POST {}", secrets_path()): [{ "status": 201, "body": metadata("API_KEY") }],
    }));
    let form = mount_form(&[]);
    type_into(&form.key_input(), "API_KEY").await;
    let value = form.value_input();
    value.focus().expect("focus value");
    assert!(paste(&value, canary), "paste left to the browser");
    tick().await;
    type_into(&form.find("#secret-description"), "Payments").await;

    form.save_button().click();
    let sent = wait_until(|| mock.count("POST", &secrets_path()) == 1).await;

    assert!(sent, "no create request");
    let requests = mock.requests();
    let order: Vec<(&str, &str)> = requests
        .iter()
        .map(|request| (request.method.as_str(), request.path.as_str()))
        .collect();
    assert_eq!(
        order,
        [
            ("GET", public_key_path().as_str()),
            ("POST", secrets_path().as_str())
        ]
    );
    let create = &requests[1];
    assert_eq!(create.content_type, "application/json");
    let encoded_canary = STANDARD.encode(canary);
    for plaintext in ["sk_canary_7Hq2", "Grüße", "日本", encoded_canary.as_str()] {
        assert!(
            !create.body.contains(plaintext),
            "{plaintext:?} in the body {:?}",
            create.body
        );
    }
    let body: serde_json::Value = serde_json::from_str(&create.body).expect("JSON body");
    let mut fields: Vec<&str> = body
        .as_object()
        .expect("the body is an object")
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, ["description", "key", "key_id", "sealed_value"]);
    assert_eq!(body["key"], "API_KEY");
    assert_eq!(body["description"], "Payments");
    assert_eq!(key_pair.open(&body), canary);
}

#[wasm_bindgen_test]
async fn public_key_fetched_once() {
    let key_pair = CompanyKeyPair::generate("key-1");
    let mock = FetchMock::install(json!({
        format!("GET {}", public_key_path()): [key_pair.response()],
        format!("POST {}", secrets_path()): [
            { "status": 201, "body": metadata("A_KEY") },
            { "status": 201, "body": metadata("B_KEY") },
        ],
    }));
    let form = mount_form(&[]);

    save_in_form(&form, "A_KEY", "first value").await;
    save_in_form(&form, "B_KEY", "second value").await;

    assert_eq!(mock.count("GET", &public_key_path()), 1);
    let bodies = create_bodies(&mock);
    assert_eq!(bodies.len(), 2);
    assert_eq!(key_pair.open(&bodies[0]), "first value");
    assert_eq!(key_pair.open(&bodies[1]), "second value");
}

#[wasm_bindgen_test]
async fn public_key_cached_per_company() {
    let acme = company();
    let globex = CompanyId::parse("globex").expect("valid company");
    let acme_key_pair = CompanyKeyPair::generate("acme-1");
    let globex_key_pair = CompanyKeyPair::generate("globex-1");
    let mock = FetchMock::install(json!({
        format!("GET {}", paths::public_key(&acme)): [acme_key_pair.response()],
        format!("GET {}", paths::public_key(&globex)): [globex_key_pair.response()],
        format!("POST {}", paths::secrets(&acme)): [{ "status": 201, "body": metadata("API_KEY") }],
        format!("POST {}", paths::secrets(&globex)): [{ "status": 201, "body": metadata("API_KEY") }],
    }));
    let api = Api::new(UNREACHABLE_API);

    // Clones share the cache, as the section's components do.
    for company in [&acme, &globex, &acme, &globex] {
        let value = format!("value of {company}");
        api.clone()
            .create_secret(company, &unsealed_secret("API_KEY", &value))
            .await
            .expect("saved");
    }

    assert_eq!(mock.count("GET", &paths::public_key(&acme)), 1);
    assert_eq!(mock.count("GET", &paths::public_key(&globex)), 1);
    let requests = mock.requests();
    let bodies_of = |company: &CompanyId| -> Vec<serde_json::Value> {
        requests
            .iter()
            .filter(|request| request.method == "POST" && request.path == paths::secrets(company))
            .map(|request| serde_json::from_str(&request.body).expect("JSON body"))
            .collect()
    };
    let acme_bodies = bodies_of(&acme);
    let globex_bodies = bodies_of(&globex);
    assert_eq!(acme_bodies.len(), 2);
    assert_eq!(globex_bodies.len(), 2);
    for body in &acme_bodies {
        assert_eq!(acme_key_pair.open(body), "value of acme");
    }
    for body in &globex_bodies {
        assert_eq!(globex_key_pair.open(body), "value of globex");
    }
}

#[wasm_bindgen_test]
async fn stale_public_key_retried_with_new_key() {
    let old_key_pair = CompanyKeyPair::generate("key-1");
    let new_key_pair = CompanyKeyPair::generate("key-2");
    let stale = error_body(ErrorCode::StalePublicKey, STALE_PUBLIC_KEY_MESSAGE);
    let mock = FetchMock::install(json!({
        format!("GET {}", public_key_path()): [old_key_pair.response(), new_key_pair.response()],
        format!("POST {}", secrets_path()): [
            { "status": 409, "body": stale },
            { "status": 201, "body": metadata("A_KEY") },
            { "status": 201, "body": metadata("B_KEY") },
        ],
    }));
    let form = mount_form(&[]);

    save_in_form(&form, "A_KEY", "sk_rotated").await;

    assert_eq!(form.text("#secret-form-error"), "");
    assert_eq!(mock.count("GET", &public_key_path()), 2);
    let bodies = create_bodies(&mock);
    assert_eq!(bodies.len(), 2);
    assert_eq!(old_key_pair.open(&bodies[0]), "sk_rotated");
    assert_eq!(new_key_pair.open(&bodies[1]), "sk_rotated");

    // The new key replaced the stale one in the cache.
    save_in_form(&form, "B_KEY", "sk_next").await;
    assert_eq!(mock.count("GET", &public_key_path()), 2);
    assert_eq!(new_key_pair.open(&create_bodies(&mock)[2]), "sk_next");
}

#[wasm_bindgen_test]
async fn stale_public_key_retried_once() {
    let key_pairs = [
        CompanyKeyPair::generate("key-1"),
        CompanyKeyPair::generate("key-2"),
        CompanyKeyPair::generate("key-3"),
    ];
    let stale = error_body(ErrorCode::StalePublicKey, STALE_PUBLIC_KEY_MESSAGE);
    let mock = FetchMock::install(json!({
        format!("GET {}", public_key_path()): key_pairs.iter().map(CompanyKeyPair::response).collect::<Vec<_>>(),
        format!("POST {}", secrets_path()): [{ "status": 409, "body": stale }],
    }));
    let form = mount_form(&[]);
    type_into(&form.key_input(), "API_KEY").await;
    type_into(&form.value_input(), "sk_test_123").await;

    form.save_button().click();
    let failed = wait_until(|| !form.text("#secret-form-error").is_empty()).await;

    assert!(failed, "no error after two stale keys");
    assert_eq!(
        form.text("#secret-form-error"),
        "The company's public key changed while the secret was being saved. Save it again."
    );
    assert_eq!(mock.count("POST", &secrets_path()), 2);
    assert_eq!(mock.count("GET", &public_key_path()), 2);
    assert_eq!(form.key_input().value(), "API_KEY");
    assert_eq!(form.value_input().value(), "sk_test_123");
    assert!(!form.save_button().disabled());

    // The second stale key was dropped too, so the next save starts with a
    // fetch, and its retry fetches again. A kept key would save one fetch.
    form.save_button().click();
    let sent = wait_until(|| mock.count("POST", &secrets_path()) == 4).await;
    assert!(sent, "no second save");
    assert_eq!(mock.count("GET", &public_key_path()), 4);
}

#[wasm_bindgen_test]
async fn public_key_failure_keeps_fields() {
    let malformed = PublicKeyResponse {
        key_id: "key-1".to_owned(),
        public_key: "AAAA".to_owned(),
    };
    // (case, public key responses, expected start of the error)
    let cases = [
        ("network", json!([]), "Could not reach the server."),
        (
            "server error",
            json!([{ "status": 500, "body": error_body(ErrorCode::Internal, "Internal error.") }]),
            "The server could not complete the request (HTTP status 500).",
        ),
        (
            "unauthorized",
            json!([{ "status": 401, "body": error_body(ErrorCode::Unauthorized, "No valid credential.") }]),
            "Your session has ended.",
        ),
        (
            "malformed key",
            json!([{ "status": 200, "body": malformed }]),
            "The server sent a response that this page could not read.",
        ),
    ];
    for (case, responses, expected) in cases {
        let mock = FetchMock::install(json!({
            format!("GET {}", public_key_path()): responses,
            format!("POST {}", secrets_path()): [{ "status": 201, "body": metadata("API_KEY") }],
        }));
        let form = mount_form(&[]);
        type_into(&form.key_input(), "API_KEY").await;
        type_into(&form.value_input(), "  sk_test_123\n").await;
        type_into(&form.find("#secret-description"), "Payments").await;

        form.save_button().click();
        let failed = wait_until(|| !form.text("#secret-form-error").is_empty()).await;

        assert!(failed, "{case}: no error");
        let error = form.text("#secret-form-error");
        assert!(error.starts_with(expected), "{case}: {error}");
        assert_eq!(mock.count("GET", &public_key_path()), 1, "{case}");
        assert_eq!(mock.count("POST", &secrets_path()), 0, "{case}");
        assert_eq!(form.key_input().value(), "API_KEY", "{case}");
        assert_eq!(form.value_input().value(), "  sk_test_123\n", "{case}");
        assert_eq!(
            form.find::<HtmlInputElement>("#secret-description").value(),
            "Payments",
            "{case}"
        );
        assert!(!form.save_button().disabled(), "{case}");
    }
}

#[wasm_bindgen_test]
async fn oversized_value_not_sealed() {
    let key_pair = CompanyKeyPair::generate("key-1");
    let mock = FetchMock::install(json!({
        format!("GET {}", public_key_path()): [key_pair.response()],
    }));
    let form = mount_form(&[]);
    type_into(&form.key_input(), "API_KEY").await;

    // Multibyte characters count as their UTF-8 bytes: 16,384 two-byte
    // characters fill the limit, and one more byte exceeds it.
    type_into(&form.value_input(), &"ü".repeat(VALUE_MAX_BYTES / 2)).await;
    assert!(!form.save_button().disabled(), "disabled at the limit");
    let too_large = format!("{}a", "ü".repeat(VALUE_MAX_BYTES / 2));
    type_into(&form.value_input(), &too_large).await;
    assert!(form.save_button().disabled(), "enabled above the limit");
    dispatch(&form.find("form"), "submit", true);
    tick().await;
    sleep(100).await;

    let message = form.text("#secret-value-message");
    assert!(message.contains("32,768"), "{message}");
    assert!(mock.requests().is_empty(), "{:?}", mock.requests());
}

#[wasm_bindgen_test]
async fn rows_show_last_use() {
    let used = SecretMetadata {
        last_used_at: Some("2026-12-05T08:30:00Z".to_owned()),
        ..metadata("USED_KEY")
    };
    let list = SecretList {
        secrets: vec![metadata("UNUSED_KEY"), used],
        limit: 50,
    };
    let _mock = FetchMock::install(json!({
        format!("GET {}", secrets_path()): [{ "status": 200, "body": list }],
    }));
    let section = mount_section();
    assert!(
        wait_for(&section, ".secret-row[data-key=USED_KEY]").await,
        "list not loaded"
    );

    let used_line = ".secret-row[data-key=USED_KEY] .secret-row-last-used";
    assert_eq!(section.text(used_line), "Last used Dec 5, 2026");
    let time: HtmlElement = section.find(&format!("{used_line} time"));
    assert_eq!(
        time.get_attribute("datetime").as_deref(),
        Some("2026-12-05T08:30:00Z")
    );
    let unused_line = ".secret-row[data-key=UNUSED_KEY] .secret-row-last-used";
    assert_eq!(section.text(unused_line), "Never used");
    assert!(!section.exists(&format!("{unused_line} time")));
    assert_eq!(
        section.text(".secret-row[data-key=UNUSED_KEY] .secret-row-origin"),
        "Added Dec 4, 2025 by Ada"
    );
}

#[wasm_bindgen_test]
async fn sign_out_drops_public_key() {
    let api = Api::new(UNREACHABLE_API);
    let (section, mock) =
        mount_section_with_session_and_api(json!([{ "status": 204 }]), api.clone()).await;
    type_into(&section.key_input(), "NEW_KEY").await;
    type_into(&section.value_input(), "v").await;
    section.save_button().click();
    let saved = wait_until(|| section.text(".secrets-notice") == "NEW_KEY was added.").await;
    assert!(saved, "save did not finish");
    assert_eq!(mock.count("GET", &public_key_path()), 1);

    section.find::<HtmlButtonElement>(SIGN_OUT_BUTTON).click();
    assert!(
        wait_until_signed_out(&section).await,
        "no signed-out message"
    );

    // The section shows no form after the sign-out, so save through a
    // clone of its handle.
    api.create_secret(&company(), &unsealed_secret("OTHER_KEY", "v"))
        .await
        .expect("saved");
    assert_eq!(
        mock.count("GET", &public_key_path()),
        2,
        "public key kept after the sign-out"
    );
}

/// Measures sealing the largest value, as a save does before it sends the
/// create request, and prints the median of 50 runs. The figure depends
/// on the machine and on the build profile of the test run, and the line
/// shows only with `-- --nocapture`.
#[wasm_bindgen_test]
fn sealing_largest_value_cost() {
    let key_pair = CompanyKeyPair::generate("key-1");
    let public_key = key_pair.public_key_body();
    let sealing_key =
        SealingKey::from_base64(&public_key.key_id, &public_key.public_key).expect("valid key");
    let value = SecretValue::new(Zeroizing::new("x".repeat(VALUE_MAX_BYTES))).expect("valid value");
    let performance = performance();

    let mut milliseconds = Vec::with_capacity(50);
    for _ in 0..50 {
        let start = performance.now();
        let sealed = sealing_key.seal(&value);
        milliseconds.push(performance.now() - start);
        assert_eq!(sealed.plaintext_len(), VALUE_MAX_BYTES);
    }
    print_timings(
        &format!("Sealing a {}-byte value", group_thousands(VALUE_MAX_BYTES)),
        milliseconds,
    );
    assert_eq!(
        key_pair.open(&json!({
            "key_id": public_key.key_id,
            "sealed_value": sealing_key.seal(&value).to_base64(),
        })),
        "x".repeat(VALUE_MAX_BYTES)
    );
}

/// Measures rendering a list of 50 secrets, as the section does when the
/// list arrives, from the mount call to 50 rows in the DOM, and prints the
/// median of 50 runs. Like the sealing figure, it depends on the machine
/// and the build profile, and shows only with `-- --nocapture`. The
/// browser benchmark (`scripts/bench/browser.mjs`) measures the same step
/// inside a whole page load. This test leaves out the page's other work,
/// so two builds of the rows compare with less noise.
#[wasm_bindgen_test]
fn rendering_fifty_rows_cost() {
    let secrets: Vec<SecretMetadata> = (0..50)
        .map(|index| metadata_with_description(&format!("KEY_{index:02}"), "Payments"))
        .collect();
    let performance = performance();

    let mut milliseconds = Vec::with_capacity(50);
    for _ in 0..50 {
        let container = container();
        let secrets = secrets.clone();
        let start = performance.now();
        let handle = mount_to(container.clone(), move || {
            view! {
                <SecretList
                    secrets
                    company=company()
                    api=Api::new(UNREACHABLE_API)
                    on_updated=Callback::new(|_| {})
                    on_not_found=Callback::new(|_| {})
                    on_deleted=Callback::new(|_| {})
                    on_already_deleted=Callback::new(|_| {})
                />
            }
        });
        milliseconds.push(performance.now() - start);
        let rows = container
            .query_selector_all("li.secret-row")
            .expect("valid selector");
        assert_eq!(rows.length(), 50);
        drop(handle);
        container.remove();
    }
    print_timings("Rendering 50 rows", milliseconds);
}

/// Returns the page's clock, which the cost tests read.
fn performance() -> web_sys::Performance {
    web_sys::window()
        .expect("window")
        .performance()
        .expect("performance")
}

/// Prints the median, minimum and maximum of an even number of timings of
/// `what`, in milliseconds.
fn print_timings(what: &str, mut milliseconds: Vec<f64>) {
    milliseconds.sort_by(f64::total_cmp);
    let runs = milliseconds.len();
    let median = (milliseconds[runs / 2 - 1] + milliseconds[runs / 2]) / 2.0;
    console_log!(
        "{what}: median {median:.2} ms over {runs} runs (min {:.2} ms, max {:.2} ms)",
        milliseconds[0],
        milliseconds[runs - 1]
    );
}

// Embedding: `mount()` and its handle, the routed app below a base path,
// and the standalone page's marker. These tests call the function that
// JavaScript calls, with options built from JSON.

use secrets_section::app::App;
use secrets_section::embed::{self, mount_standalone_page, SectionHandle};

/// Builds a JavaScript value, such as an options object, from JSON.
fn js_value(value: &serde_json::Value) -> JsValue {
    js_sys::JSON::parse(&value.to_string()).expect("valid JSON")
}

/// Returns the `message` of the `Error` that `mount` throws for `element`
/// and `options`.
fn mount_error(element: JsValue, options: &serde_json::Value) -> String {
    let Err(error) = embed::mount(element, js_value(options)) else {
        panic!("mount accepted {options}");
    };
    let error = JsValue::from(error);
    js_sys::Reflect::get(&error, &"message".into())
        .expect("message")
        .as_string()
        .expect("message is a string")
}

/// A section mounted through `mount` in a container of its own. Dropping
/// it unmounts the section and removes the container.
struct Embedded {
    container: HtmlElement,
    handle: SectionHandle,
}

impl Embedded {
    fn mount(options: serde_json::Value) -> Self {
        let container = container();
        let handle = embed::mount(container.clone().into(), js_value(&options))
            .unwrap_or_else(|_| panic!("mount rejected {options}"));
        Self { container, handle }
    }

    fn exists(&self, selector: &str) -> bool {
        self.container
            .query_selector(selector)
            .expect("valid selector")
            .is_some()
    }

    fn root_theme(&self) -> Option<String> {
        self.container
            .query_selector(".secrets-root")
            .expect("valid selector")
            .and_then(|root| root.get_attribute("data-theme"))
    }
}

impl Drop for Embedded {
    fn drop(&mut self) {
        self.handle.unmount();
        self.container.remove();
    }
}

/// Replaces the page's path with `history.replaceState` and dispatches a
/// `popstate` event, as back and forward navigation does. Dropping the
/// guard restores the path that the test page had.
struct PagePath {
    original: String,
}

impl PagePath {
    fn set(path: &str) -> Self {
        let original = window().location().pathname().expect("pathname");
        replace_path(path);
        Self { original }
    }
}

impl Drop for PagePath {
    fn drop(&mut self) {
        replace_path(&self.original);
    }
}

fn replace_path(path: &str) {
    let replace = js_sys::Function::new_with_args("path", "history.replaceState(null, '', path);");
    replace
        .call1(&JsValue::NULL, &path.into())
        .expect("replaceState");
    window()
        .dispatch_event(&Event::new("popstate").expect("create popstate"))
        .expect("dispatch popstate");
}

/// Counts the event listeners that the page adds to and removes from
/// `window` and `document`, until dropped.
struct GlobalListenerCount {
    spy: JsValue,
}

impl GlobalListenerCount {
    fn start() -> Self {
        let install = js_sys::Function::new_no_args(
            r#"
            const counts = { added: 0, removed: 0 };
            const prototype = EventTarget.prototype;
            const add = prototype.addEventListener;
            const remove = prototype.removeEventListener;
            const isGlobal = (target) => target === window || target === document;
            prototype.addEventListener = function (...args) {
                if (isGlobal(this)) counts.added += 1;
                return add.apply(this, args);
            };
            prototype.removeEventListener = function (...args) {
                if (isGlobal(this)) counts.removed += 1;
                return remove.apply(this, args);
            };
            const restore = () => {
                prototype.addEventListener = add;
                prototype.removeEventListener = remove;
            };
            return { counts, restore };
            "#,
        );
        Self {
            spy: install.call0(&JsValue::NULL).expect("install listener spy"),
        }
    }

    fn count(&self, field: &str) -> f64 {
        let counts = js_sys::Reflect::get(&self.spy, &"counts".into()).expect("counts");
        js_sys::Reflect::get(&counts, &field.into())
            .expect("count")
            .as_f64()
            .expect("count is a number")
    }
}

impl Drop for GlobalListenerCount {
    fn drop(&mut self) {
        if let Ok(restore) = js_sys::Reflect::get(&self.spy, &"restore".into()) {
            let restore: js_sys::Function = restore.unchecked_into();
            _ = restore.call0(&JsValue::NULL);
        }
    }
}

#[wasm_bindgen_test]
async fn mount_shows_company_section() {
    let _mock = FetchMock::install(json!({
        format!("GET {}", secrets_path()): [{ "status": 200, "body": list_body(&["API_KEY"], 50) }],
    }));
    let section = Embedded::mount(json!({ "company": "acme" }));
    tick().await;

    assert!(section.exists(".secrets-root.secrets-section #secrets-heading"));
    assert_eq!(section.root_theme().as_deref(), Some("auto"));
    assert!(
        !section.exists(SIGN_OUT_BUTTON),
        "Sign out shown by default"
    );
    let listed = wait_until(|| section.exists(".secret-row[data-key=API_KEY]")).await;
    assert!(listed, "the list did not load from the page's origin");
}

/// Records the `Authorization` header of every request that the page's
/// `fetch` receives, then passes the request on to the `fetch` that was
/// installed before, such as a [`FetchMock`], which logs no headers.
struct AuthorizationRecorder {
    recorder: JsValue,
}

impl AuthorizationRecorder {
    fn install() -> Self {
        let install = js_sys::Function::new_no_args(
            r#"
            const inner = globalThis.fetch;
            const seen = [];
            globalThis.fetch = (input, init) => {
                seen.push(new Request(input, init).headers.get("Authorization"));
                return inner(input, init);
            };
            return { seen, restore: () => { globalThis.fetch = inner; } };
            "#,
        );
        Self {
            recorder: install.call0(&JsValue::NULL).expect("install recorder"),
        }
    }

    /// Returns the headers seen so far; `None` for a request without one.
    fn seen(&self) -> Vec<Option<String>> {
        let seen: js_sys::Array = js_sys::Reflect::get(&self.recorder, &"seen".into())
            .expect("seen")
            .unchecked_into();
        seen.iter().map(|header| header.as_string()).collect()
    }
}

impl Drop for AuthorizationRecorder {
    fn drop(&mut self) {
        if let Ok(restore) = js_sys::Reflect::get(&self.recorder, &"restore".into()) {
            let restore: js_sys::Function = restore.unchecked_into();
            _ = restore.call0(&JsValue::NULL);
        }
    }
}

#[wasm_bindgen_test]
async fn mount_options_reach_section() {
    let mock = FetchMock::install(json!({
        format!("GET /secrets-api{}", secrets_path()): [{ "status": 200, "body": list_body(&[], 50) }],
    }));
    let recorder = AuthorizationRecorder::install();
    let section = Embedded::mount(json!({
        "company": "acme",
        "apiBase": "/secrets-api/",
        "token": "shell-token-1",
        "showSignOut": true,
        "theme": "dark",
    }));
    tick().await;

    assert!(section.exists(SIGN_OUT_BUTTON), "no Sign out button");
    assert_eq!(section.root_theme().as_deref(), Some("dark"));
    let loaded = wait_until(|| section.exists(".secrets-empty")).await;
    assert!(loaded, "the list did not load from apiBase");
    assert_eq!(
        mock.requests()[0].path,
        format!("/secrets-api{}", secrets_path())
    );
    assert_eq!(recorder.seen()[0].as_deref(), Some("Bearer shell-token-1"));
}

#[wasm_bindgen_test]
fn mount_rejects_invalid_options() {
    let cases = [
        (json!("acme"), "Invalid options: expected an object such as { company: \"acme\" }, got \"acme\"."),
        (json!(null), "Invalid options: expected an object such as { company: \"acme\" }, got null."),
        (json!(["acme"]), "Invalid options: expected an object such as { company: \"acme\" }, got an array."),
        (json!({ "company": "acme", "apibase": "/x" }), "Unknown option apibase."),
        (json!({}), "Missing option company: expected a company ID such as \"acme\""),
        (json!({ "company": 7 }), "Invalid option company: expected a company ID of 1 to 63 characters of a-z, 0-9 and hyphens, such as \"acme\", got 7."),
        (json!({ "company": -2.5 }), "Invalid option company: expected a company ID of 1 to 63 characters of a-z, 0-9 and hyphens, such as \"acme\", got -2.5."),
        (json!({ "company": "ACME" }), "Invalid option company: expected a company ID of 1 to 63 characters of a-z, 0-9 and hyphens, such as \"acme\", got \"ACME\"."),
        (json!({ "company": "acme", "basePath": "/dashboard" }), "Invalid options: company and basePath exclude each other."),
        (json!({ "company": "acme", "apiBase": "ftp://example.com" }), "Invalid option apiBase: expected an http or https URL"),
        (json!({ "company": "acme", "apiBase": "secrets" }), "Invalid option apiBase:"),
        (json!({ "company": "acme", "apiBase": "//example.com" }), "Invalid option apiBase:"),
        (json!({ "company": "acme", "apiBase": "https://example.com/?a=1" }), "Invalid option apiBase:"),
        (json!({ "company": "acme", "showSignOut": "yes" }), "Invalid option showSignOut: expected true or false, got \"yes\"."),
        (json!({ "company": "acme", "theme": "blue" }), "Invalid option theme: expected \"light\", \"dark\" or \"auto\", got \"blue\"."),
        (json!({ "basePath": "dashboard" }), "Invalid option basePath: expected a path that starts with /"),
        (json!({ "company": "acme", "token": 12 }), "Invalid option token: expected the bearer token as a non-empty string of visible ASCII characters."),
        (json!({ "company": "acme", "token": "" }), "Invalid option token:"),
    ];
    for (options, expected) in cases {
        let container = container();
        let message = mount_error(container.clone().into(), &options);
        assert!(message.starts_with(expected), "{options}: {message}");
        assert_eq!(
            container.child_element_count(),
            0,
            "{options}: mounted anyway"
        );
        container.remove();
    }
}

#[wasm_bindgen_test]
fn mount_error_hides_token() {
    let container = container();
    let message = mount_error(
        container.clone().into(),
        &json!({ "company": "acme", "token": "canary token with spaces" }),
    );
    container.remove();
    assert!(message.starts_with("Invalid option token:"), "{message}");
    assert!(!message.contains("canary"), "{message}");
}

#[wasm_bindgen_test]
fn mount_rejects_non_element() {
    let cases = [
        (JsValue::NULL, "got null"),
        (JsValue::from_str("#secrets"), "got \"#secrets\""),
    ];
    for (element, got) in cases {
        let message = mount_error(element, &json!({ "company": "acme" }));
        assert_eq!(
            message,
            format!("Invalid element: expected an HTML element to mount the section in, {got}.")
        );
    }
}

#[wasm_bindgen_test]
async fn mount_twice_on_element_throws() {
    let mut section = Embedded::mount(json!({ "company": "acme", "apiBase": UNREACHABLE_API }));
    tick().await;

    let message = mount_error(
        section.container.clone().into(),
        &json!({ "company": "acme" }),
    );
    assert_eq!(
        message,
        "This element already contains a Secrets section. Call unmount() on its handle before mounting it again."
    );
    assert_eq!(
        section.container.child_element_count(),
        1,
        "a second section"
    );

    // After unmount() the element takes a new section.
    section.handle.unmount();
    section.handle = embed::mount(
        section.container.clone().into(),
        js_value(&json!({ "company": "acme", "apiBase": UNREACHABLE_API })),
    )
    .unwrap_or_else(|_| panic!("mount after unmount rejected"));
    tick().await;
    assert!(section.exists(".secrets-root"));
}

#[wasm_bindgen_test]
async fn unmount_removes_every_node() {
    let container = container();
    let shell_text = document().create_element("p").expect("create p");
    shell_text.set_text_content(Some("The shell's own content"));
    container.append_child(&shell_text).expect("append");
    let mut handle = embed::mount(
        container.clone().into(),
        js_value(&json!({ "company": "acme", "apiBase": UNREACHABLE_API })),
    )
    .unwrap_or_else(|_| panic!("mount rejected"));
    tick().await;
    assert!(container.child_nodes().length() > 1, "nothing mounted");

    handle.unmount();
    tick().await;
    assert_eq!(container.child_nodes().length(), 1);
    assert_eq!(container.first_child(), Some(shell_text.clone().into()));

    // A second unmount() does nothing.
    handle.unmount();
    assert_eq!(container.child_nodes().length(), 1);
    container.remove();
}

#[wasm_bindgen_test]
async fn unmount_removes_window_listeners() {
    let _path = PagePath::set("/dashboard/companies/acme/settings/secrets");
    let listeners = GlobalListenerCount::start();
    let mut section =
        Embedded::mount(json!({ "basePath": "/dashboard", "apiBase": UNREACHABLE_API }));
    tick().await;
    assert!(section.exists(".secrets-section"), "no section at the path");
    assert!(
        listeners.count("added") >= 1.0,
        "the routed app listens to popstate"
    );

    section.handle.unmount();
    tick().await;
    assert_eq!(listeners.count("removed"), listeners.count("added"));
}

#[wasm_bindgen_test]
async fn unmount_drops_pending_load() {
    let mock = FetchMock::install(json!({
        format!("GET {}", secrets_path()): [{ "status": 200, "body": list_body(&["API_KEY"], 50), "delay_ms": 200 }],
    }));
    let container = container();
    let mut handle = embed::mount(
        container.clone().into(),
        js_value(&json!({ "company": "acme" })),
    )
    .unwrap_or_else(|_| panic!("mount rejected"));
    tick().await;
    let sent = wait_until(|| mock.count("GET", &secrets_path()) == 1).await;
    assert!(sent, "no list request");

    handle.unmount();
    sleep(400).await;
    assert_eq!(
        container.child_nodes().length(),
        0,
        "the late response rendered"
    );
    container.remove();
}

#[wasm_bindgen_test]
async fn set_theme_updates_root() {
    let section =
        Embedded::mount(json!({ "company": "acme", "apiBase": UNREACHABLE_API, "theme": "light" }));
    tick().await;
    assert_eq!(section.root_theme().as_deref(), Some("light"));

    for theme in ["dark", "auto", "light"] {
        section
            .handle
            .set_theme(theme.into())
            .unwrap_or_else(|_| panic!("{theme} rejected"));
        tick().await;
        assert_eq!(section.root_theme().as_deref(), Some(theme));
    }
    assert!(section.handle.set_theme("sepia".into()).is_err());
    assert_eq!(section.root_theme().as_deref(), Some("light"));
}

#[wasm_bindgen_test]
async fn mount_base_path_reads_company() {
    let _path = PagePath::set("/dashboard/companies/acme/settings/secrets");
    let section = Embedded::mount(
        json!({ "basePath": "/dashboard", "apiBase": UNREACHABLE_API, "theme": "dark" }),
    );
    tick().await;
    assert!(
        section.exists(".secrets-section #secrets-heading"),
        "no section"
    );
    assert_eq!(section.root_theme().as_deref(), Some("dark"));

    replace_path("/dashboard/companies/Not-A-Company/settings/secrets");
    tick().await;
    let message = section.container.text_content().unwrap_or_default();
    assert!(
        message.contains("Invalid company in the address"),
        "{message}"
    );
    assert!(!section.exists(".secrets-section"));
}

#[wasm_bindgen_test]
async fn app_base_path_routes_section() {
    let _path = PagePath::set("/dashboard/companies/acme/settings/secrets");
    let container = container();
    let handle = mount_to(container.clone(), || {
        view! { <App base_path="/dashboard" api=Api::new(UNREACHABLE_API) /> }
    });
    let app = Mounted {
        container,
        _handle: Box::new(handle),
    };
    tick().await;
    assert!(
        app.exists(".secrets-section #secrets-heading"),
        "no section below the base path"
    );

    // Back navigation to a path outside the base path shows the message.
    replace_path("/companies/acme/settings/secrets");
    tick().await;
    assert!(!app.exists(".secrets-section"));
    assert_eq!(app.text(".secrets-app-message h1"), "Page not found");
    assert_eq!(
        app.text(".secrets-app-message p"),
        "The Secrets section is at /dashboard/companies/COMPANY/settings/secrets, where COMPANY is the company's ID."
    );
}

#[wasm_bindgen_test]
async fn app_leaves_shell_links_alone() {
    let _path = PagePath::set("/dashboard/companies/acme/settings/secrets");
    let section = Embedded::mount(json!({ "basePath": "/dashboard", "apiBase": UNREACHABLE_API }));
    tick().await;

    // A shell's navigation link below the same base path, outside the
    // section. The check runs after every other window listener and then
    // cancels the click, so the test page stays where it is.
    let click = js_sys::Function::new_no_args(
        r#"
        const link = document.createElement("a");
        link.href = "/dashboard/overview";
        link.textContent = "Overview";
        document.body.append(link);
        let prevented = null;
        const check = (event) => {
            prevented = event.defaultPrevented;
            event.preventDefault();
        };
        window.addEventListener("click", check);
        link.dispatchEvent(new MouseEvent("click", { bubbles: true, cancelable: true, button: 0 }));
        window.removeEventListener("click", check);
        link.remove();
        return prevented;
        "#,
    );
    let prevented = click.call0(&JsValue::NULL).expect("click the link");
    assert_eq!(
        prevented.as_bool(),
        Some(false),
        "the section handled the shell's link"
    );
    assert!(section.exists(".secrets-section"));
    assert_eq!(
        window().location().pathname().expect("pathname"),
        "/dashboard/companies/acme/settings/secrets"
    );
}

#[wasm_bindgen_test]
async fn standalone_page_mounts_marked_element() {
    let _path = PagePath::set("/shell/companies/acme/settings/secrets");
    let page = container();
    page.set_attribute(embed::STANDALONE_ATTRIBUTE, "")
        .expect("set marker");
    page.set_attribute(embed::BASE_PATH_ATTRIBUTE, "/shell")
        .expect("set base path");

    assert!(mount_standalone_page());
    tick().await;
    let mounted = page
        .query_selector(".secrets-section")
        .expect("valid selector")
        .is_some();
    page.remove();
    assert!(mounted, "no section in the marked element");
}

#[wasm_bindgen_test]
fn standalone_page_needs_marker() {
    assert!(!mount_standalone_page());

    let page = container();
    page.set_attribute(embed::STANDALONE_ATTRIBUTE, "")
        .expect("set marker");
    page.set_attribute(embed::BASE_PATH_ATTRIBUTE, "shell")
        .expect("set base path");
    let mounted = mount_standalone_page();
    let children = page.child_nodes().length();
    page.remove();
    assert!(!mounted, "mounted with an invalid base path");
    assert_eq!(children, 0);
}

/// The Leptos shell example of the README: the shell's own page renders
/// the section with a bearer token, without Sign out, in a fixed theme.
#[component]
fn ShellSecretsPage(company: CompanyId, token: String) -> impl IntoView {
    let api = Api::new(UNREACHABLE_API).with_bearer_token(token);
    view! { <SecretsSection company api show_sign_out=false theme=embed::Theme::Dark /> }
}

#[wasm_bindgen_test]
async fn leptos_shell_example_renders() {
    let container = container();
    let handle = mount_to(container.clone(), || {
        view! { <ShellSecretsPage company=company() token="shell-token".to_owned() /> }
    });
    let page = Mounted {
        container,
        _handle: Box::new(handle),
    };
    tick().await;

    assert!(page.exists(".secrets-root #secrets-heading"));
    assert_eq!(
        page.find::<HtmlElement>(".secrets-root")
            .get_attribute("data-theme")
            .as_deref(),
        Some("dark")
    );
    assert!(!page.exists(SIGN_OUT_BUTTON));
}

// Pasting into the key field, value warnings, the vague key hint, the
// company's limit, retries, and the import panel.

fn import_path() -> String {
    paths::import(&company())
}

/// Returns the bodies of the import requests so far, oldest first.
fn import_bodies(mock: &FetchMock) -> Vec<serde_json::Value> {
    mock.requests()
        .iter()
        .filter(|request| request.method == "POST" && request.path == import_path())
        .map(|request| serde_json::from_str(&request.body).expect("JSON body"))
        .collect()
}

/// Opens the import panel of a mounted section and types `text` into it.
async fn type_import_text(section: &Mounted, text: &str) {
    let toggle: HtmlButtonElement = section.find(".secrets-import-toggle");
    if toggle.get_attribute("aria-expanded").as_deref() != Some("true") {
        toggle.click();
        tick().await;
    }
    type_into(&section.find("#secrets-import-text"), text).await;
}

fn import_button(section: &Mounted) -> HtmlButtonElement {
    section.find(".secrets-import-submit")
}

/// Returns the messages of the preview row for `line`.
fn import_row_messages(section: &Mounted, line: usize) -> Vec<String> {
    section
        .find_all(&format!(
            ".secrets-import-row[data-line='{line}'] .secrets-import-messages li"
        ))
        .iter()
        .map(|item| item.text_content().unwrap_or_default())
        .collect()
}

#[wasm_bindgen_test]
async fn key_paste_splits_assignment() {
    return_unless_scripted_paste_is_readable!();
    let (form, mock, key_pair) = mount_form_with_key_mock();
    let key = form.key_input();
    key.focus().expect("focus key");

    assert!(
        paste(&key, "DB_PASSWORD=s3cr3tValue"),
        "paste left to the browser"
    );
    tick().await;

    assert_eq!(key.value(), "DB_PASSWORD");
    assert_eq!(form.value_input().value(), "s3cr3tValue");
    assert!(form.text("#secret-key-note").contains("split"));
    form.save_button().click();
    assert!(wait_until(|| mock.count("POST", &secrets_path()) == 1).await);
    let body = &create_bodies(&mock)[0];
    assert_eq!(body["key"], "DB_PASSWORD");
    assert_eq!(key_pair.open(body), "s3cr3tValue");
}

#[wasm_bindgen_test]
async fn key_paste_keeps_value_bytes() {
    return_unless_scripted_paste_is_readable!();
    let (form, mock, key_pair) = mount_form_with_key_mock();
    let key = form.key_input();
    key.focus().expect("focus key");

    assert!(paste(&key, "export db_password= MiXeD=Case\r\n"));
    tick().await;

    assert_eq!(key.value(), "DB_PASSWORD");
    form.save_button().click();
    assert!(wait_until(|| mock.count("POST", &secrets_path()) == 1).await);
    assert_eq!(key_pair.open(&create_bodies(&mock)[0]), " MiXeD=Case\r\n");
}

#[wasm_bindgen_test]
async fn key_paste_several_lines_refused() {
    return_unless_scripted_paste_is_readable!();
    let form = mount_form(&[]);
    let key = form.key_input();

    assert!(
        paste(&key, "A_KEY=1\nB_KEY=2\n"),
        "paste left to the browser"
    );
    tick().await;

    assert_eq!(key.value(), "");
    assert_eq!(form.value_input().value(), "");
    assert!(form.text("#secret-key-note").contains("Import from .env"));
}

#[wasm_bindgen_test]
async fn key_paste_without_equals_left_to_browser() {
    let form = mount_form(&[]);
    assert!(!paste(&form.key_input(), "STRIPE_API_KEY"));
}

#[wasm_bindgen_test]
async fn key_look_alike_letter_named() {
    let form = mount_form(&[]);
    type_into(&form.key_input(), "\u{410}PI_KEY").await;
    type_into(&form.value_input(), "sk_test_123").await;

    let message = form.text("#secret-key-message");
    assert!(message.contains("U+0410"), "{message}");
    assert!(message.contains("position 1"), "{message}");
    assert!(form.save_button().disabled());
}

#[wasm_bindgen_test]
async fn key_invisible_character_named() {
    let form = mount_form(&[]);
    type_into(&form.key_input(), "API\u{200B}KEY").await;

    let message = form.text("#secret-key-message");
    assert!(message.contains("U+200B"), "{message}");
    assert!(message.contains("position 4"), "{message}");
}

#[wasm_bindgen_test]
async fn value_invisible_mark_warned_and_saved() {
    let (form, mock, key_pair) = mount_form_with_key_mock();
    type_into(&form.value_input(), "abc123\u{200E}").await;

    let warnings = form.find_all("#secret-value-warnings li");
    assert_eq!(warnings.len(), 1);
    let warning = warnings[0].text_content().unwrap_or_default();
    assert!(warning.contains("U+200E"), "{warning}");
    assert!(warning.contains("position 7"), "{warning}");
    assert!(!warning.contains("abc"), "{warning}");
    assert_eq!(saved_value(&form, &mock, &key_pair).await, "abc123\u{200E}");
}

#[wasm_bindgen_test]
async fn value_normal_text_not_warned() {
    let form = mount_form(&[]);
    for text in ["Grüße", "日本語", "sk_live_51H8x"] {
        type_into(&form.value_input(), text).await;
        assert!(
            form.find_all("#secret-value-warnings li").is_empty(),
            "{text}"
        );
    }
}

#[wasm_bindgen_test]
async fn value_whitespace_warned_not_changed() {
    let (form, mock, key_pair) = mount_form_with_key_mock();
    type_into(&form.value_input(), " token\n").await;

    let warnings: Vec<String> = form
        .find_all("#secret-value-warnings li")
        .iter()
        .map(|item| item.text_content().unwrap_or_default())
        .collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings[0].contains("starts with"), "{warnings:?}");
    assert!(warnings[1].contains("newline"), "{warnings:?}");
    assert_eq!(saved_value(&form, &mock, &key_pair).await, " token\n");
}

#[wasm_bindgen_test]
async fn vague_key_hint_until_description() {
    let form = mount_form(&[]);
    type_into(&form.key_input(), "TOKEN").await;
    assert!(form
        .text("#secret-description-vague")
        .contains("description"));

    type_into(&form.find("#secret-description"), "For the CRM's REST API").await;
    assert_eq!(form.text("#secret-description-vague"), "");

    type_into(&form.find("#secret-description"), "").await;
    type_into(&form.key_input(), "STRIPE_API_KEY").await;
    assert_eq!(form.text("#secret-description-vague"), "");
}

#[wasm_bindgen_test]
async fn limit_disables_every_field() {
    let keys: Vec<String> = (0..50).map(|index| format!("KEY_{index:02}")).collect();
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let _mock = FetchMock::install(json!({
        format!("GET {}", secrets_path()): [{ "status": 200, "body": list_body(&keys, 50) }],
    }));
    let section = mount_section();
    assert!(
        wait_for(&section, ".secret-row[data-key=KEY_49]").await,
        "list not loaded"
    );

    assert_eq!(section.text(".secrets-count"), "50 of 50");
    let fields: HtmlElement = section.find(".secret-form-fields");
    assert!(fields.has_attribute("disabled"));
    assert!(section.save_button().disabled());
    assert!(section
        .text(".secret-form-limit")
        .starts_with(&limit_reached_message()));
}

#[wasm_bindgen_test]
async fn server_error_save_retried() {
    let key_pair = CompanyKeyPair::generate("key-1");
    let mock = FetchMock::install(json!({
        format!("GET {}", secrets_path()): [{ "status": 200, "body": list_body(&[], 50) }],
        format!("GET {}", public_key_path()): [key_pair.response()],
        format!("POST {}", secrets_path()): [
            { "status": 503 },
            { "status": 201, "body": metadata("B_KEY") },
        ],
    }));
    let section = mount_section();
    assert!(wait_for(&section, ".secret-form").await);
    type_into(&section.key_input(), "B_KEY").await;
    type_into(&section.value_input(), "sk_test_123").await;

    section.save_button().click();
    assert!(
        wait_for(&section, ".secret-form-retry").await,
        "no Try again"
    );
    assert!(section.text("#secret-form-error").contains("503"));
    assert_eq!(section.key_input().value(), "B_KEY");
    assert_eq!(section.value_input().value(), "sk_test_123");
    assert!(
        !section.exists(".secret-row[data-key=B_KEY]"),
        "unconfirmed secret listed"
    );

    section
        .find::<HtmlButtonElement>(".secret-form-retry")
        .click();
    assert!(
        wait_for(&section, ".secret-row[data-key=B_KEY]").await,
        "not saved"
    );
    assert_eq!(mock.count("POST", &secrets_path()), 2);
    assert_eq!(key_pair.open(&create_bodies(&mock)[1]), "sk_test_123");
    assert_eq!(section.value_input().value(), "");
}

#[wasm_bindgen_test]
async fn network_failure_offers_retry() {
    let key_pair = CompanyKeyPair::generate("key-1");
    let _mock = FetchMock::install(json!({
        format!("GET {}", secrets_path()): [{ "status": 200, "body": list_body(&[], 50) }],
        format!("GET {}", public_key_path()): [key_pair.response()],
    }));
    let section = mount_section();
    assert!(wait_for(&section, ".secret-form").await);
    type_into(&section.key_input(), "B_KEY").await;
    type_into(&section.value_input(), "sk_test_123").await;

    section.save_button().click();

    assert!(
        wait_for(&section, ".secret-form-retry").await,
        "no Try again"
    );
    assert!(section
        .text("#secret-form-error")
        .contains("reach the server"));
}

#[wasm_bindgen_test]
async fn failed_delete_retried() {
    let mock = FetchMock::install(json!({
        format!("GET {}", secrets_path()): [{ "status": 200, "body": list_body(&["A_KEY"], 50) }],
        format!("DELETE {}", secret_path("A_KEY")): [{ "status": 500 }, { "status": 204 }],
    }));
    let section = mount_section();
    assert!(
        wait_for(&section, ".secret-row[data-key=A_KEY]").await,
        "list not loaded"
    );

    section
        .find::<HtmlButtonElement>(".secret-row[data-key=A_KEY] .secret-row-delete")
        .click();
    assert!(
        wait_for(&section, ".secret-row-retry").await,
        "no Try again"
    );
    assert!(section.exists(".secret-row[data-key=A_KEY]"));

    section
        .find::<HtmlButtonElement>(".secret-row-retry")
        .click();
    let gone = wait_until(|| !section.exists(".secret-row[data-key=A_KEY]")).await;
    assert!(gone, "row still listed");
    assert_eq!(mock.count("DELETE", &secret_path("A_KEY")), 2);
}

#[wasm_bindgen_test]
async fn import_preview_names_bad_line() {
    let mock = FetchMock::install(json!({
        format!("GET {}", secrets_path()): [{ "status": 200, "body": list_body(&["OLD_KEY"], 50) }],
    }));
    let section = mount_section();
    assert!(
        wait_for(&section, ".secret-row[data-key=OLD_KEY]").await,
        "list not loaded"
    );
    let large = "x".repeat(33_000);
    let text = format!(
        "# Payments\nexport STRIPE_KEY=sk_live_1\nDB_URL=\"postgres://u:p@h/db?sslmode=require\"\nGREETING='it is # here'\nOLD_KEY=again\nBIG={large}\n"
    );

    type_import_text(&section, &text).await;

    assert_eq!(section.find_all(".secrets-import-row").len(), 5);
    assert!(import_row_messages(&section, 2).is_empty());
    assert!(import_row_messages(&section, 3).is_empty());
    assert!(import_row_messages(&section, 4).is_empty());
    assert_eq!(import_row_messages(&section, 5), [DUPLICATE_KEY_MESSAGE]);
    let big = import_row_messages(&section, 6);
    assert_eq!(big.len(), 1, "{big:?}");
    assert!(big[0].contains("32,768"), "{big:?}");
    assert!(import_button(&section).disabled());
    assert!(section
        .text(".secrets-import-summary")
        .contains("2 lines have problems"));
    import_button(&section).click();
    sleep(100).await;
    assert_eq!(mock.count("POST", &import_path()), 0);
}

#[wasm_bindgen_test]
async fn import_saves_all_in_one_request() {
    let key_pair = CompanyKeyPair::generate("key-1");
    let mock = FetchMock::install(json!({
        format!("GET {}", secrets_path()): [{ "status": 200, "body": list_body(&[], 50) }],
        format!("GET {}", public_key_path()): [key_pair.response()],
        format!("POST {}", import_path()): [{
            "status": 201,
            "body": { "secrets": [metadata("A_KEY"), metadata("B_KEY")] },
        }],
    }));
    let section = mount_section();
    assert!(wait_for(&section, ".secret-form").await);

    type_import_text(
        &section,
        "A_KEY=\"line 1\\nline 2\"\nexport B_KEY=\"it's = Grüße\"\n",
    )
    .await;
    assert!(
        !import_button(&section).disabled(),
        "{}",
        section.text(".secrets-import")
    );
    assert_eq!(
        import_button(&section).text_content().as_deref(),
        Some("Import 2 secrets")
    );
    import_button(&section).click();

    assert!(
        wait_for(&section, ".secret-row[data-key=B_KEY]").await,
        "not listed"
    );
    let bodies = import_bodies(&mock);
    assert_eq!(bodies.len(), 1);
    let items = bodies[0]["secrets"].as_array().expect("secrets array");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["key"], "A_KEY");
    assert!(items[0].get("value").is_none(), "{}", items[0]);
    assert_eq!(key_pair.open(&items[0]), "line 1\nline 2");
    assert_eq!(key_pair.open(&items[1]), "it's = Grüße");
    assert!(section.exists(".secret-row[data-key=A_KEY]"));
    assert_eq!(section.text(".secrets-notice"), "2 secrets were imported.");
    assert!(!section.exists("#secrets-import-text"), "panel still open");
    assert!(!mock
        .requests()
        .iter()
        .any(|request| request.body.contains("line 1")));
}

#[wasm_bindgen_test]
async fn import_rejection_marks_rows() {
    let key_pair = CompanyKeyPair::generate("key-1");
    let rejection = ErrorBody {
        items: vec![ImportItemError::new(
            1,
            "B_KEY",
            ErrorCode::DuplicateKey,
            DUPLICATE_KEY_MESSAGE.to_owned(),
        )],
        ..ErrorBody::new(
            ErrorCode::DuplicateKey,
            "1 key of the import already exists.",
        )
    };
    let _mock = FetchMock::install(json!({
        format!("GET {}", secrets_path()): [{ "status": 200, "body": list_body(&[], 50) }],
        format!("GET {}", public_key_path()): [key_pair.response()],
        format!("POST {}", import_path()): [{ "status": 409, "body": rejection }],
    }));
    let section = mount_section();
    assert!(wait_for(&section, ".secret-form").await);

    type_import_text(&section, "A_KEY=1\n# comment\nB_KEY=2\n").await;
    import_button(&section).click();

    let marked = wait_until(|| !import_row_messages(&section, 3).is_empty()).await;
    assert!(marked, "{}", section.text(".secrets-import"));
    assert_eq!(import_row_messages(&section, 3), [DUPLICATE_KEY_MESSAGE]);
    assert!(import_row_messages(&section, 1).is_empty());
    assert!(!section.exists(".secret-row"), "unconfirmed secret listed");
    let text: HtmlTextAreaElement = section.find("#secrets-import-text");
    assert_eq!(text.value(), "A_KEY=1\n# comment\nB_KEY=2\n");
}

#[wasm_bindgen_test]
async fn import_form_data_has_no_field() {
    let _mock = FetchMock::install(json!({
        format!("GET {}", secrets_path()): [{ "status": 200, "body": list_body(&[], 50) }],
    }));
    let section = mount_section();
    assert!(wait_for(&section, ".secret-form").await);
    type_import_text(&section, "A_KEY=canary-import-form\n").await;

    let panel: HtmlFormElement = section.find("#secrets-import-panel");
    let names = form_data_names(&panel);

    assert!(names.is_empty(), "a native submission would send {names:?}");
    assert_eq!(panel.get_attribute("method").as_deref(), Some("dialog"));
}

#[wasm_bindgen_test]
async fn mount_second_section_on_page_throws() {
    let section = Embedded::mount(json!({ "company": "acme", "apiBase": UNREACHABLE_API }));
    tick().await;
    let other = container();

    let message = mount_error(other.clone().into(), &json!({ "company": "acme" }));

    assert!(
        message.starts_with("A Secrets section is already mounted on this page"),
        "{message}"
    );
    assert_eq!(other.child_element_count(), 0, "a second section");
    drop(section);
    other.remove();
}

#[wasm_bindgen_test]
async fn key_paste_while_saving_ignored() {
    return_unless_scripted_paste_is_readable!();
    let key_pair = CompanyKeyPair::generate("key-1");
    let mock = FetchMock::install(json!({
        format!("GET {}", public_key_path()): [key_pair.response()],
        format!("POST {}", secrets_path()): [{ "status": 500, "delay_ms": 300 }],
    }));
    let form = mount_form(&[]);
    type_into(&form.key_input(), "SLOW").await;
    type_into(&form.value_input(), "typed value").await;
    form.save_button().click();
    tick().await;

    paste(&form.key_input(), "OTHER_KEY=pasted value");
    tick().await;

    assert_eq!(form.key_input().value(), "SLOW");
    assert_eq!(form.value_input().value(), "typed value");
    let failed = wait_until(|| !form.text("#secret-form-error").is_empty()).await;
    assert!(failed, "save did not fail");
    assert_eq!(key_pair.open(&create_bodies(&mock)[0]), "typed value");
    assert_eq!(form.value_input().value(), "typed value");
}

#[wasm_bindgen_test]
fn mount_ignores_inherited_options() {
    let container = container();
    let prototype = js_value(&json!({ "company": "acme", "apiBase": "https://other.example" }));
    let prototype: &js_sys::Object = prototype.unchecked_ref();
    let options: js_sys::Object = js_sys::Object::create(prototype);

    let Err(error) = embed::mount(container.clone().into(), options.into()) else {
        panic!("mount took the inherited company");
    };
    container.remove();

    let message = js_sys::Reflect::get(&JsValue::from(error), &"message".into())
        .ok()
        .and_then(|message| message.as_string())
        .unwrap_or_default();
    assert!(message.contains("company"), "{message}");
}

#[wasm_bindgen_test]
fn mount_error_cuts_long_values() {
    let container = container();
    let message = mount_error(
        container.clone().into(),
        &json!({ "company": "x".repeat(10_000), "theme": "y".repeat(10_000) }),
    );
    container.remove();
    assert!(message.len() < 400, "{} bytes", message.len());
}
