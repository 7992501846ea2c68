//! The Secrets section of Company Settings, as a Leptos single-page app.
//!
//! An owner stores here the secrets that the company's agents need: each is
//! a **key** (such as `STRIPE_API_KEY`), a **value** that is write-once and
//! never shown again, and an optional **description**. Every new task of the
//! company receives the values.
//!
//! [`components::SecretsSection`] is the section itself; a dashboard shell
//! mounts it with an [`api::Api`]. [`app::App`] wraps it in a router for
//! standalone use.

mod activity_pages;
pub mod api;
pub mod app;
pub mod components;
mod form_messages;
mod import_preview;
mod textarea_text;
