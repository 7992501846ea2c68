//! Entry point of the WebAssembly module, for the standalone page and for
//! shells that load the module to call `mount`.

use secrets_section::embed::mount_standalone_page;

fn main() {
    console_error_panic_hook::set_once();
    // Initialization fails only when a logger is already installed, and
    // logging then still works, so the error is ignored.
    _ = console_log::init_with_level(log::Level::Info);
    // `main` also runs when a shell loads the module, and the shell's page
    // has no element marked for the standalone app, so nothing is mounted
    // there until the shell calls `mount`.
    mount_standalone_page();
}
