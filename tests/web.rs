//! Browser tests of the Secrets section: mount a component, act on the DOM
//! as an owner would, wait for the reactive system, and check the DOM.
//!
//! The API handle points at port 1 of 127.0.0.1, which browsers refuse to
//! connect to, so every request fails at once with a network error. Tests
//! that need the server's responses replace the page's `fetch` with a
//! [`FetchMock`], so no request leaves the page.

use leptos::prelude::*;
use leptos::task::tick;
use secrets_core::api::{paths, ErrorBody, ErrorCode, SecretList, SecretMetadata};
use secrets_core::{
    limit_reached_message, CompanyId, Description, SecretKey, DUPLICATE_KEY_MESSAGE,
};
use secrets_section::api::Api;
use secrets_section::components::{SecretForm, SecretsSection};
use serde_json::json;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{
    ClipboardEvent, ClipboardEventInit, DataTransfer, Event, EventInit, HtmlButtonElement,
    HtmlElement, HtmlInputElement, HtmlTextAreaElement,
};

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
    let container = container();
    let handle = mount_to(
        container.clone(),
        || view! { <SecretsSection company=company() api=Api::new(UNREACHABLE_API) /> },
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

/// Mounts the form with a mocked create response for the key `KEY`, for
/// tests that check the exact value that a save sends.
fn mount_form_with_key_mock() -> (Mounted, FetchMock) {
    let mock = FetchMock::install(json!({
        format!("POST {}", secrets_path()): [{ "status": 201, "body": metadata("KEY") }],
    }));
    let form = mount_form(&[]);
    (form, mock)
}

/// Types the key `KEY`, clicks Save and returns the value of the create
/// request.
async fn saved_value(form: &Mounted, mock: &FetchMock) -> String {
    type_into(&form.key_input(), "KEY").await;
    form.save_button().click();
    let sent = wait_until(|| mock.count("POST", &secrets_path()) == 1).await;
    assert!(sent, "no create request");
    let requests = mock.requests();
    let body: serde_json::Value = serde_json::from_str(&requests[0].2).expect("JSON body");
    body["value"]
        .as_str()
        .expect("value is a string")
        .to_owned()
}

fn metadata(key: &str) -> SecretMetadata {
    SecretMetadata {
        key: SecretKey::parse(key).expect("valid key"),
        description: Description::default(),
        created_at: "2025-12-04T21:22:00Z".to_owned(),
        created_by: "Ada".to_owned(),
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
    let body = ErrorBody {
        code,
        message: message.to_owned(),
    };
    serde_json::to_value(body).expect("serialize error")
}

fn secrets_path() -> String {
    paths::secrets(&company())
}

fn secret_path(key: &str) -> String {
    paths::secret(&company(), &SecretKey::parse(key).expect("valid key"))
}

/// Replaces the page's `fetch` until dropped. The mock logs each request
/// and returns the next response queued for its method and path. The last
/// response of a queue repeats, and a request with no queue fails as a
/// network error does.
struct FetchMock {
    mock: JsValue,
}

impl FetchMock {
    /// Installs the mock. `routes` maps `"METHOD /path"` to a list of
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
                const path = new URL(request.url).pathname;
                const body = await request.text();
                requests.push({ method: request.method, path, body });
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

    /// Returns the `(method, path, body)` of every request so far.
    fn requests(&self) -> Vec<(String, String, String)> {
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
                (field("method"), field("path"), field("body"))
            })
            .collect()
    }

    fn count(&self, method: &str, path: &str) -> usize {
        self.requests()
            .iter()
            .filter(|(logged_method, logged_path, _)| {
                logged_method == method && logged_path == path
            })
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

    blur(&value).await;

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
    let mock = FetchMock::install(json!({
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
    let requests = mock.requests();
    let body: serde_json::Value = serde_json::from_str(&requests[0].2).expect("JSON body");
    assert_eq!(body["value"], "a\r\nb\r\nc");
    assert_eq!(body["key"], "PEM");
}

#[wasm_bindgen_test]
async fn value_paste_replaces_selection() {
    let mock = FetchMock::install(json!({
        format!("POST {}", secrets_path()): [{ "status": 201, "body": metadata("ENV") }],
    }));
    let form = mount_form(&[]);
    let value = form.value_input();
    type_into(&form.key_input(), "ENV").await;
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
    let requests = mock.requests();
    let body: serde_json::Value = serde_json::from_str(&requests[0].2).expect("JSON body");
    assert_eq!(body["value"], "A=9\r\nC=2");
}

#[wasm_bindgen_test]
async fn value_paste_without_cr_left_to_browser() {
    let form = mount_form(&[]);
    let value = form.value_input();

    assert!(!paste(&value, "no carriage return\n"));
}

#[wasm_bindgen_test]
async fn fields_read_only_while_saving() {
    let _mock = FetchMock::install(json!({
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
    let mock = FetchMock::install(json!({
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
    let mock = FetchMock::install(json!({
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
    let reloaded = wait_for(&section, "li[data-key=API_KEY]").await;

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
    let mock = FetchMock::install(json!({
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
        wait_for(&section, "li[data-key=A_KEY]").await,
        "list not loaded"
    );
    type_into(&section.key_input(), "C_KEY").await;
    type_into(&section.value_input(), "sk_test_123").await;

    section.save_button().click();
    let reloaded = wait_for(&section, "li[data-key=B_KEY]").await;

    assert!(reloaded, "list not reloaded after the rejection");
    assert_eq!(mock.count("GET", &secrets_path()), 2);
    assert_eq!(section.text(".secrets-count"), "2 of 2");
    assert!(section.exists(".secret-form-limit"), "no limit message");
    assert!(section.save_button().disabled());
}

#[wasm_bindgen_test]
async fn network_failure_keeps_list() {
    let mock = FetchMock::install(json!({
        format!("GET {}", secrets_path()): [{ "status": 200, "body": list_body(&["A_KEY"], 50) }],
    }));
    let section = mount_section();
    assert!(
        wait_for(&section, "li[data-key=A_KEY]").await,
        "list not loaded"
    );
    type_into(&section.key_input(), "B_KEY").await;
    type_into(&section.value_input(), "sk_test_123").await;

    section.save_button().click();
    let failed = wait_until(|| !section.text("#secret-form-error").is_empty()).await;

    assert!(failed, "no error after a failed save");
    assert_eq!(mock.count("GET", &secrets_path()), 1);
    assert!(
        !section.exists("li[data-key=B_KEY]"),
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
    let row = format!("li[data-key={deleted}]");
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
        let (form, mock) = mount_form_with_key_mock();
        let value = form.value_input();
        value.focus().expect("focus value");
        assert!(
            paste(&value, pasted),
            "{pasted:?}: paste left to the browser"
        );
        tick().await;

        value.set_selection_range(caret, caret).expect("set caret");
        exec_command(command, argument).await;

        let saved = saved_value(&form, &mock).await;
        assert_eq!(saved, expected, "{pasted:?} at {caret}: {command}");
    }
}

#[wasm_bindgen_test]
async fn value_undo_redo_paste_keeps_bytes() {
    let (form, mock) = mount_form_with_key_mock();
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

    assert_eq!(saved_value(&form, &mock).await, "helloX\r\nY");
}

#[wasm_bindgen_test]
async fn value_undo_delete_restores_crs() {
    let (form, mock) = mount_form_with_key_mock();
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

    assert_eq!(saved_value(&form, &mock).await, "X\r\nY\r\n");
}

#[wasm_bindgen_test]
async fn value_paste_joining_cr_keeps_bytes() {
    let (form, mock) = mount_form_with_key_mock();
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

    assert_eq!(saved_value(&form, &mock).await, "a\r\nb\r\nc");
}

#[wasm_bindgen_test]
async fn value_paste_unfocused_keeps_crlf() {
    let (form, mock) = mount_form_with_key_mock();
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
    assert_eq!(saved_value(&form, &mock).await, "x\r\ny");
}
