//! Entry point of the standalone app.

use leptos::prelude::*;
use secrets_section::app::App;

fn main() {
    console_error_panic_hook::set_once();
    // Initialization fails only when a logger is already installed, and
    // logging then still works, so the error is ignored.
    _ = console_log::init_with_level(log::Level::Info);
    mount_to_body(App);
}
