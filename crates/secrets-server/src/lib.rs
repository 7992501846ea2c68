//! REST backend of the Secrets section: stores each company's secrets in one
//! SQLite file, encrypted at rest, and serves the SPA on the same address.
//!
//! Terms (the same as in `secrets-core`):
//!
//! - A **company** owns secrets; a **member** of a company may manage them.
//! - A **secret** is a key, a value and an optional description. The value
//!   is encrypted with the **master key** before it reaches the database and
//!   no HTTP response contains it.
//! - A **credential** is a random bearer token of which only the SHA-256
//!   hash is stored: an API token, a one-time login link token, or a
//!   browser session.
//! - An **activity event** records that a member added or removed a secret:
//!   the action, the key, the member and the time, never the value.
//!
//! Layers: [`store`] contains the domain operations and no HTTP; [`http`]
//! maps requests to those operations and their errors to status codes;
//! [`commands`] implements the command line.

pub mod commands;
pub mod crypto;
pub mod http;
pub mod logging;
pub mod store;

pub use http::{app, serve, AppState, Timeouts, WriteRateLimit};
