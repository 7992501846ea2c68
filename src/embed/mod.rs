//! Embedding the section in a dashboard shell that is not written with
//! Leptos, and the standalone page.
//!
//! A shell loads the module and calls [`mount`] with an element and an
//! options object. The section then lives inside that element until the
//! shell calls `unmount()` on the returned [`SectionHandle`]. The
//! standalone page, index.html, marks the element that the routed app
//! mounts in (see [`mount_standalone_page`]), so a shell that loads the
//! same module gets no second app in its page.

mod mount;
mod options;
mod standalone;
mod theme;

pub use mount::{mount, SectionHandle};
pub use options::{parse_base_path, InvalidBasePath, MountOptions, MountTarget, OptionsError};
pub use standalone::{mount_standalone_page, BASE_PATH_ATTRIBUTE, STANDALONE_ATTRIBUTE};
pub use theme::{Theme, UnknownTheme};
