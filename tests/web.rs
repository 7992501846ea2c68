//! Browser tests of the Secrets section: mount a component, act on the DOM
//! as an owner would, wait for the reactive system, and check the DOM.
//!
//! The API handle points at port 1 of 127.0.0.1, which browsers refuse to
//! connect to, so every request fails at once with a network error.

use leptos::prelude::*;
use leptos::task::tick;
use secrets_core::{CompanyId, SecretKey, DUPLICATE_KEY_MESSAGE};
use secrets_section::api::Api;
use secrets_section::components::{SecretForm, SecretsSection};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{
    Event, EventInit, HtmlButtonElement, HtmlElement, HtmlInputElement, HtmlTextAreaElement,
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
async fn section_heading_above_form() {
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
