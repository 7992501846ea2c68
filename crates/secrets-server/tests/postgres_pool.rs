//! The PostgreSQL connection pool stays within `--database-connections`
//! under a burst of parallel requests. Runs only when the tests run on
//! PostgreSQL (`SECRETS_TEST_DATABASE_URL`); SQLite has no pool.

mod common;

use std::time::Duration;

use common::{add_member, on_postgres, postgres_url, Binary};
use futures::future::join_all;

/// Runs `sql`, which returns one integer, on the database of `url`, from
/// a thread outside the test's tokio runtime.
fn query_integer(url: &str, sql: &'static str) -> i64 {
    let url = url.to_owned();
    std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
        client.query_one(sql, &[]).expect(sql).get(0)
    })
    .join()
    .expect("query thread")
}

/// Returns the number of connections that servers hold open to the
/// database of `url`.
fn server_connections(url: &str) -> i64 {
    query_integer(
        url,
        "SELECT COUNT(*) FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = 'secrets-server'",
    )
}

/// Ends every server connection to the database of `url`, as a restart of
/// PostgreSQL does, and returns how many it ended.
fn terminate_server_connections(url: &str) -> i64 {
    query_integer(
        url,
        "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = 'secrets-server'",
    )
}

/// A server on its own PostgreSQL database, with the owner's token of
/// company `acme`.
struct PoolServer {
    _dir: tempfile::TempDir,
    _server: Binary,
    base_url: String,
    token: String,
    database_url: String,
    client: reqwest::Client,
}

impl PoolServer {
    /// Starts `serve` with `extra_args` on a new data directory.
    fn start(extra_args: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let data_dir = dir.path().join("data");
        let token = add_member(&data_dir, "acme", "owner", &[]);
        let database_url = postgres_url(&data_dir).expect("a PostgreSQL database");
        let (server, base_url) =
            Binary::serve_with_args(&data_dir, &dir.path().join("dist"), extra_args, &[]);
        Self {
            _dir: dir,
            _server: server,
            base_url,
            token,
            database_url,
            client: reqwest::Client::new(),
        }
    }

    /// Lists the secrets of `acme` and returns the status.
    async fn list(&self) -> u16 {
        self.client
            .get(format!("{}/api/v1/companies/acme/secrets", self.base_url))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("response")
            .status()
            .as_u16()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pool_stays_within_connection_limit() {
    if !on_postgres() {
        println!("skipped: the tests run on SQLite, which has no connection pool");
        return;
    }
    let server = PoolServer::start(&["--database-connections", "2"]);

    let statuses = join_all((0..60).map(|_| server.list())).await;

    assert!(statuses.iter().all(|status| *status == 200), "{statuses:?}");
    let open = server_connections(&server.database_url);
    assert!(open >= 1, "the server holds no connection");
    assert!(open <= 2, "the server holds {open} connections");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pool_replaces_connections_closed_while_idle() {
    if !on_postgres() {
        println!("skipped: the tests run on SQLite, which has no connection pool");
        return;
    }
    let server = PoolServer::start(&[]);

    // Fill the pool with several idle connections, then end them all.
    let warm_up = join_all((0..8).map(|_| server.list())).await;
    assert!(warm_up.iter().all(|status| *status == 200), "{warm_up:?}");
    let ended = terminate_server_connections(&server.database_url);
    assert!(ended >= 1, "no server connection to end");
    tokio::time::sleep(Duration::from_millis(1500)).await;

    for attempt in 0..10 {
        let status = server.list().await;
        assert_eq!(
            status, 200,
            "request {attempt} after {ended} connections ended"
        );
    }
}

#[test]
fn database_connections_zero_rejected() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = dir.path().join("data");
    let args = [
        "serve",
        "--data-dir",
        data_dir.to_str().expect("UTF-8 path"),
        "--database-connections",
        "0",
    ];
    let mut process = Binary::spawn(&args, &[]);
    assert_eq!(process.wait(), Some(2), "{}", process.stderr());
    assert!(
        process.stderr().contains("--database-connections"),
        "{}",
        process.stderr()
    );
}
