//! REST backend of the Secrets section: stores each company's secrets in one
//! SQLite file, sealed at rest, and serves the SPA on the same address.
//!
//! Terms (the same as in `secrets-core`):
//!
//! - A **company** owns secrets. A **conglomerate** is a group of
//!   companies, and a **member** of a conglomerate may manage the secrets of
//!   every company in it.
//! - A **secret** is a key, a value and an optional description. The client
//!   seals the value to its company's **public key** (X25519, a libsodium
//!   sealed box), so the server stores a **sealed value** that it does not
//!   open while it handles a dashboard request, and no dashboard response
//!   contains it. The company's secret key is stored sealed with the
//!   company's **data key**, and the **master key** wraps every data key.
//! - A **credential** is a random bearer token of which only the SHA-256
//!   hash is stored: an API token, a one-time login link token, a browser
//!   session, a runner token or a task token.
//! - A **runner** is a credential of one company that starts its
//!   **tasks**. A task gets a snapshot of the company's secrets as they
//!   were when it started, and reads them, with their values, with a
//!   **task token** until it finishes or expires.
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

pub use http::{app, serve, AppState, TaskRateLimit, Timeouts, WriteRateLimit};
