//! `secrets-server serve`

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use secrets_core::CompanyId;

use crate::http::{
    self, AppState, FrameAncestor, TaskRateLimit, Timeouts, WriteRateLimit, DEFAULT_TASK_LIFETIME,
};
use crate::store::{MemberName, Store, LOGIN_LINK_TTL};

use super::login_link::login_link;
use super::{open_store, StorageArgs};

/// Company and member created on the first start with an empty data
/// directory, so that a new installation can be opened at once. The company
/// gets a conglomerate of the same ID.
const FIRST_COMPANY: &str = "acme";
const FIRST_MEMBER: &str = "owner";

/// Longest `--task-lifetime`: one year. Far larger lifetimes would reach
/// dates that RFC 3339 cannot write.
const MAX_TASK_LIFETIME_SECONDS: u64 = 365 * 24 * 60 * 60;

/// How long the runtime waits for blocking store operations after the
/// server stopped. An operation waiting for the database's write lock can
/// take up to 10 seconds.
const RUNTIME_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(1);

/// Arguments of `serve`.
#[derive(Debug, clap::Args)]
pub(super) struct ServeArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    #[command(flatten)]
    storage: StorageArgs,
    /// Directory of the built SPA (its index.html and assets).
    #[arg(long, default_value = "./dist")]
    dist_dir: PathBuf,
    /// Seconds a client has to send a request's headers. Idle and slower
    /// connections are closed.
    #[arg(long, value_name = "SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    header_read_timeout: u64,
    /// Seconds a request body may pause before the server gives up with
    /// 408 Request Timeout.
    #[arg(long, value_name = "SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    body_read_timeout: u64,
    /// Seconds a request may take in total before the server gives up with
    /// 503 Service Unavailable.
    #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    request_timeout: u64,
    /// Seconds that requests in flight get to finish after Ctrl-C or
    /// SIGTERM. Then the server closes the remaining connections and exits.
    #[arg(long, value_name = "SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    shutdown_timeout: u64,
    /// Changes (creates, description updates, deletes) that one member may
    /// make at once. Reads are not limited.
    #[arg(long, value_name = "COUNT", default_value_t = WriteRateLimit::default().burst, value_parser = clap::value_parser!(u32).range(1..))]
    write_burst: u32,
    /// Changes per minute that one member may make in the long run; a
    /// member over the limit gets 429 Too Many Requests with Retry-After.
    #[arg(long, value_name = "COUNT", default_value_t = WriteRateLimit::default().per_minute, value_parser = clap::value_parser!(u32).range(1..))]
    writes_per_minute: u32,
    /// Seconds that a task and its token work after the task started, at
    /// most one year. After that, the task's routes respond 401, and the
    /// next task start deletes its snapshot.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_TASK_LIFETIME.as_secs(), value_parser = clap::value_parser!(u64).range(1..=MAX_TASK_LIFETIME_SECONDS))]
    task_lifetime: u64,
    /// Tasks that one runner may start at once.
    #[arg(long, value_name = "COUNT", default_value_t = TaskRateLimit::default().burst, value_parser = clap::value_parser!(u32).range(1..))]
    task_burst: u32,
    /// Tasks per minute that one runner may start in the long run; a runner
    /// over the limit gets 429 Too Many Requests with Retry-After.
    #[arg(long, value_name = "COUNT", default_value_t = TaskRateLimit::default().per_minute, value_parser = clap::value_parser!(u32).range(1..))]
    task_starts_per_minute: u32,
    /// Origin that may show the pages in a frame, such as
    /// https://dashboard.example.com or http://127.0.0.1:3000. Repeat the
    /// option or separate origins with commas. Without it, no site may
    /// frame the pages.
    #[arg(long, value_name = "ORIGIN", value_delimiter = ',')]
    frame_ancestors: Vec<FrameAncestor>,
}

impl ServeArgs {
    fn timeouts(&self) -> Timeouts {
        Timeouts {
            header_read: Duration::from_secs(self.header_read_timeout),
            body_read: Duration::from_secs(self.body_read_timeout),
            request: Duration::from_secs(self.request_timeout),
            shutdown: Duration::from_secs(self.shutdown_timeout),
        }
    }
}

/// Opens the store, then serves until Ctrl-C or SIGTERM.
pub(super) fn run(args: ServeArgs) -> anyhow::Result<()> {
    let store = open_store(&args.storage)?;
    let runtime = tokio::runtime::Runtime::new().context("failed to start the async runtime")?;
    let result = runtime.block_on(serve(args, store));
    // Dropping the runtime would wait for every store operation still
    // running on the blocking thread pool. The shutdown deadline has passed
    // already, so the wait is short: a write cut off before its commit is
    // rolled back by SQLite.
    runtime.shutdown_timeout(RUNTIME_SHUTDOWN_TIMEOUT);
    result
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
        data_dir = %args.storage.data_dir.display(),
        database = if args.storage.database_url.is_some() { "PostgreSQL" } else { "SQLite" },
        dist_dir = %args.dist_dir.display(),
        "listening on {base_url}"
    );
    if !args.frame_ancestors.is_empty() {
        let origins: Vec<String> = args
            .frame_ancestors
            .iter()
            .map(ToString::to_string)
            .collect();
        tracing::info!(origins = %origins.join(" "), "these origins may show the pages in a frame");
    }
    let timeouts = args.timeouts();
    let write_rate_limit = WriteRateLimit {
        burst: args.write_burst,
        per_minute: args.writes_per_minute,
    };
    let task_rate_limit = TaskRateLimit {
        burst: args.task_burst,
        per_minute: args.task_starts_per_minute,
    };
    let state = AppState::new(store, args.dist_dir)
        .with_timeouts(timeouts)
        .with_write_rate_limit(write_rate_limit)
        .with_task_rate_limit(task_rate_limit)
        .with_task_lifetime(Duration::from_secs(args.task_lifetime))
        .with_frame_ancestors(&args.frame_ancestors);
    http::serve(listener, state, shutdown_signal()).await;
    tracing::info!("server stopped");
    Ok(())
}

/// Creates the first company and member and prints a login link for them.
fn print_first_login_link(store: &Store, base_url: &str) -> anyhow::Result<()> {
    let company = CompanyId::parse(FIRST_COMPANY)?;
    let name = MemberName::parse(FIRST_MEMBER)?;
    let member = store.ensure_member(&company, &name)?;
    let token = store.issue_login_link(&member, &company)?;
    tracing::info!(company = %company, member_id = member.id, "created the first company and member");

    println!(
        "The database had no company, so conglomerate `{}` with company `{company}` and member `{name}` were created.",
        member.conglomerate
    );
    println!(
        "Open this link in a browser to sign in (it works once, within {} minutes):",
        LOGIN_LINK_TTL.as_secs() / 60
    );
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
