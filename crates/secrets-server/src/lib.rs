//! REST backend of the Secrets section: stores each company's secrets in one
//! SQLite file, encrypted at rest, and serves the SPA on the same address.
//!
//! Terms (the same as in `secrets-core`):
//!
//! - A **company** owns secrets. A **conglomerate** is a group of
//!   companies, and a **member** of a conglomerate may manage the secrets of
//!   every company in it.
//! - A **secret** is a key, a value and an optional description. The value
//!   is encrypted with its company's **data key** before it reaches the
//!   database, and no HTTP response contains it. The **master key** wraps
//!   every data key.
//! - A **credential** is a random bearer token of which only the SHA-256
//!   hash is stored: an API token, a one-time login link token, or a
//!   browser session.
//! - An **activity event** records that a member added a secret, changed
//!   its description or removed it: the action, the key, the member and the
//!   time, never the value.
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
