//! The Secrets section of Company Settings, as a Leptos single-page app.
//!
//! An owner stores here the secrets that the company's agents need: each is
//! a **key** (such as `STRIPE_API_KEY`), a **value** that is write-once and
//! never shown again, and an optional **description**. Every new task of the
//! company receives the values.
//!
//! [`components::SecretsSection`] is the section itself, which a Leptos
//! dashboard shell renders with an [`api::Api`]. [`app::App`] shows the
//! section of the company that the page's path names, for the standalone
//! page and for shells that keep the section below a base path.
//! [`embed::mount`] mounts either one from JavaScript, for shells written
//! with other frameworks.

mod activity_pages;
pub mod api;
pub mod app;
pub mod components;
pub mod embed;
mod form_messages;
mod import_preview;
mod pending;
mod textarea_text;
