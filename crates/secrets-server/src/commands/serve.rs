//! `secrets-server serve`

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use anyhow::Context;
use secrets_core::CompanyId;

use crate::http::{app, AppState};
use crate::store::{CredentialKind, MemberName, Store};

use super::login_link::login_link;
use super::open_store;

/// Company and member created on the first start with an empty data
/// directory, so that a new installation can be opened at once.
const FIRST_COMPANY: &str = "acme";
const FIRST_MEMBER: &str = "owner";

/// Arguments of `serve`.
#[derive(Debug, clap::Args)]
pub(super) struct ServeArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Directory of the database and the master key file.
    #[arg(long, default_value = "./data")]
    data_dir: PathBuf,
    /// Directory of the built SPA (its index.html and assets).
    #[arg(long, default_value = "./dist")]
    dist_dir: PathBuf,
}

/// Opens the store, then serves until Ctrl-C or SIGTERM.
pub(super) fn run(args: ServeArgs) -> anyhow::Result<()> {
    let store = open_store(&args.data_dir)?;
    let runtime = tokio::runtime::Runtime::new().context("failed to start the async runtime")?;
    runtime.block_on(serve(args, store))
}

async fn serve(args: ServeArgs, store: Store) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("failed to listen on {}", args.addr))?;
    let address = listener
        .local_addr()
        .context("failed to read the listening address")?;
    let base_url = format!("http://{}", browser_address(address));

    if store.is_empty()? {
        print_first_login_link(&store, &base_url)?;
    }

    tracing::info!(
        address = %address,
        data_dir = %args.data_dir.display(),
        dist_dir = %args.dist_dir.display(),
        "listening on {base_url}"
    );
    let state = AppState::new(store, args.dist_dir);
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("the server failed")?;
    tracing::info!("server stopped");
    Ok(())
}

/// Creates the first company and member and prints a login link for them.
fn print_first_login_link(store: &Store, base_url: &str) -> anyhow::Result<()> {
    let company = CompanyId::parse(FIRST_COMPANY)?;
    let name = MemberName::parse(FIRST_MEMBER)?;
    let member = store.ensure_member(&company, &name)?;
    let token = store.issue_credential(&member, CredentialKind::Login)?;
    tracing::info!(company = %company, member_id = member.id, "created the first company and member");

    println!(
        "The data directory was empty, so company `{company}` and member `{name}` were created."
    );
    println!("Open this link in a browser to sign in (it works once, within 15 minutes):");
    println!("{}", login_link(base_url, &token));
    Ok(())
}

/// Returns the address a browser on this machine can open: a wildcard
/// listening address such as 0.0.0.0 becomes 127.0.0.1.
fn browser_address(address: SocketAddr) -> SocketAddr {
    if address.ip().is_unspecified() {
        SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), address.port())
    } else {
        address
    }
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "failed to listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "failed to listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = ctrl_c => tracing::info!("received Ctrl-C; shutting down"),
        () = terminate => tracing::info!("received SIGTERM; shutting down"),
    }
}
