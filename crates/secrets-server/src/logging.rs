//! Log output: `tracing` events to stderr, filtered by `RUST_LOG`.

use std::io::IsTerminal;

use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer};

/// Installs the global subscriber. `RUST_LOG` selects the levels (default
/// `info`); an invalid `RUST_LOG` falls back to `info` with a warning.
pub fn init() {
    let (requested, invalid_filter) = match EnvFilter::try_from_default_env() {
        Ok(filter) => (filter, None),
        Err(error) if std::env::var_os(EnvFilter::DEFAULT_ENV).is_some() => {
            (EnvFilter::new("info"), Some(error))
        }
        Err(_) => (EnvFilter::new("info"), None),
    };

    let output = fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_filter(requested)
        .with_filter(dependency_caps());
    // `try_init` fails only when a subscriber is already installed, as in
    // tests that call `init` twice. The first subscriber then stays.
    let _ = tracing_subscriber::registry().with(output).try_init();

    if let Some(error) = invalid_filter {
        tracing::warn!(%error, "RUST_LOG is invalid; logging at the info level");
    }
}

/// Caps on dependencies whose verbose levels record request or response
/// bytes, which may contain secret values and tokens. The caps apply
/// whatever `RUST_LOG` requests, even `RUST_LOG=trace`, because a second
/// filter only lets through what both filters allow.
fn dependency_caps() -> Targets {
    Targets::new()
        .with_default(LevelFilter::TRACE)
        // hyper and hyper-util trace the bytes they parse and write.
        .with_target("hyper", LevelFilter::INFO)
        .with_target("hyper_util", LevelFilter::INFO)
        .with_target("h2", LevelFilter::INFO)
        // tokio-postgres logs every statement's parameters at the debug
        // level: sealed values, wrapped keys and token hashes.
        .with_target("tokio_postgres", LevelFilter::INFO)
        // axum traces each rejection with its full message, and serde's
        // messages can quote the body.
        .with_target("axum::rejection", LevelFilter::OFF)
}
