//! Helpers shared by the integration tests: an in-process server over a real
//! SQLite file, the real binary as a child process, and raw HTTP requests.
//!
//! With `SECRETS_TEST_DATABASE_URL` set to a PostgreSQL server, every data
//! directory of the tests gets a PostgreSQL database of its own there, and
//! the stores and servers use it instead of the SQLite file.

#![allow(
    dead_code,
    reason = "each test file uses a different subset of the helpers"
)]

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use secrets_core::api::{
    CreateSecretRequest, NewSecret, PublicKeyResponse, StartedTask, TaskSecrets,
};
use secrets_core::sealed::SealingKey;
use secrets_core::{CompanyId, SecretValue};
use secrets_server::crypto::MasterKey;
use secrets_server::store::{
    CredentialKind, Member, MemberName, RunnerName, Store, DEFAULT_MAX_CONNECTIONS,
};
use secrets_server::{serve, AppState, Timeouts, WriteRateLimit};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use zeroize::Zeroizing;

/// Master key of the in-process test servers.
pub const TEST_MASTER_KEY: &str =
    "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

/// Environment variable with the URL of a PostgreSQL server's maintenance
/// database (`postgres://USER@127.0.0.1:PORT/postgres`) that the tests
/// create their databases on.
pub const TEST_DATABASE_URL_ENV: &str = "SECRETS_TEST_DATABASE_URL";

/// Returns `true` when the tests run on PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var_os(TEST_DATABASE_URL_ENV).is_some()
}

/// Returns the URL of the PostgreSQL database of `data_dir`, creating the
/// database on first use, or `None` when the tests run on SQLite. The
/// database name is derived from the data directory's path, so every
/// process of a test that uses the directory finds the same database.
pub fn postgres_url(data_dir: &Path) -> Option<String> {
    static CREATED: Mutex<Option<HashSet<String>>> = Mutex::new(None);

    let server_url = std::env::var(TEST_DATABASE_URL_ENV).ok()?;
    let digest = Sha256::digest(data_dir.as_os_str().as_bytes());
    let name = format!("test_{}", &hex::encode(digest)[..24]);
    let (server, _) = server_url
        .rsplit_once('/')
        .expect("the test database URL ends with /DATABASE");
    let url = format!("{server}/{name}");

    let mut created = CREATED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if created
        .get_or_insert_with(HashSet::new)
        .insert(name.clone())
    {
        outside_async_runtime(|| {
            let mut client = postgres::Client::connect(&server_url, postgres::NoTls)
                .expect("connect to PostgreSQL");
            if let Err(error) = client.batch_execute(&format!("CREATE DATABASE {name}")) {
                let duplicate = error
                    .code()
                    .is_some_and(|state| *state == postgres::error::SqlState::DUPLICATE_DATABASE);
                assert!(duplicate, "create database {name}: {error}");
            }
        });
    }
    Some(url)
}

/// Runs `operation` on a new thread, outside the test's tokio runtime,
/// where the `postgres` crate's blocking client can start its own.
fn outside_async_runtime<T: Send>(operation: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| match scope.spawn(operation).join() {
        Ok(result) => result,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

/// Opens the store of `data_dir`: its SQLite file, or its PostgreSQL
/// database when the tests run on PostgreSQL.
pub fn open_store(data_dir: &Path, master_key: MasterKey) -> Store {
    match postgres_url(data_dir) {
        Some(url) => Store::open_postgres(&url, DEFAULT_MAX_CONNECTIONS, data_dir, master_key)
            .expect("open store"),
        None => Store::open(data_dir, master_key).expect("open store"),
    }
}

/// Opens the store of `data_dir` as [`open_store`] does, and returns the
/// error instead of panicking.
pub fn try_open_store(
    data_dir: &Path,
    master_key: MasterKey,
) -> Result<Store, secrets_server::store::StoreError> {
    match postgres_url(data_dir) {
        Some(url) => Store::open_postgres(&url, DEFAULT_MAX_CONNECTIONS, data_dir, master_key),
        None => Store::open(data_dir, master_key),
    }
}

/// Runs `sql`, a query with one integer result and `?N` placeholders for
/// `params`, on the database of `data_dir`.
pub fn query_count(data_dir: &Path, sql: &str, params: &[&str]) -> i64 {
    match postgres_url(data_dir) {
        Some(url) => outside_async_runtime(|| {
            let mut client =
                postgres::Client::connect(&url, postgres::NoTls).expect("connect to PostgreSQL");
            let params: Vec<&(dyn postgres::types::ToSql + Sync)> = params
                .iter()
                .map(|param| param as &(dyn postgres::types::ToSql + Sync))
                .collect();
            client
                .query_one(&sql.replace('?', "$"), &params)
                .expect("count query")
                .get(0)
        }),
        None => rusqlite::Connection::open(data_dir.join("secrets.db"))
            .expect("open the database")
            .query_row(sql, rusqlite::params_from_iter(params), |row| row.get(0))
            .expect("count query"),
    }
}

/// Returns the master key of the in-process test servers.
pub fn test_master_key() -> MasterKey {
    MasterKey::from_hex(TEST_MASTER_KEY, "test").expect("valid test key")
}

/// An in-process server: `app(state)` over a SQLite file in a temporary
/// directory, listening on 127.0.0.1 with a free port.
pub struct TestServer {
    pub dir: TempDir,
    pub addr: SocketAddr,
    pub state: AppState,
    pub client: reqwest::Client,
}

impl TestServer {
    /// Starts a server whose dist directory does not exist.
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let dist_dir = dir.path().join("dist");
        Self::start_in(dir, dist_dir).await
    }

    /// Starts a server over `dir/data` that serves the SPA from `dist_dir`.
    pub async fn start_in(dir: TempDir, dist_dir: PathBuf) -> Self {
        Self::start_with(
            dir,
            dist_dir,
            Timeouts::default(),
            WriteRateLimit::default(),
        )
        .await
    }

    /// Starts a server whose dist directory does not exist, with this
    /// write rate limit.
    pub async fn start_with_write_rate_limit(limit: WriteRateLimit) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let dist_dir = dir.path().join("dist");
        Self::start_with(dir, dist_dir, Timeouts::default(), limit).await
    }

    /// Starts a server whose dist directory does not exist, with the state
    /// changed by `configure`, such as `AppState::with_task_lifetime`.
    pub async fn start_configured(configure: impl FnOnce(AppState) -> AppState) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let dist_dir = dir.path().join("dist");
        Self::start_with_state(dir, dist_dir, configure).await
    }

    /// Starts a server whose dist directory does not exist, with these
    /// time limits.
    pub async fn start_with_timeouts(timeouts: Timeouts) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let dist_dir = dir.path().join("dist");
        Self::start_with(dir, dist_dir, timeouts, WriteRateLimit::default()).await
    }

    async fn start_with(
        dir: TempDir,
        dist_dir: PathBuf,
        timeouts: Timeouts,
        write_rate_limit: WriteRateLimit,
    ) -> Self {
        Self::start_with_state(dir, dist_dir, |state| {
            state
                .with_timeouts(timeouts)
                .with_write_rate_limit(write_rate_limit)
        })
        .await
    }

    async fn start_with_state(
        dir: TempDir,
        dist_dir: PathBuf,
        configure: impl FnOnce(AppState) -> AppState,
    ) -> Self {
        let store = open_store(&dir.path().join("data"), test_master_key());
        let state = configure(AppState::new(store, dist_dir));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("local address");
        let served = state.clone();
        tokio::spawn(async move { serve(listener, served, std::future::pending()).await });

        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("HTTP client");
        Self {
            dir,
            addr,
            state,
            client,
        }
    }

    pub fn store(&self) -> &Store {
        &self.state.store
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Sends a GET for `path` without credentials and returns the response.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("sent")
    }

    pub fn secrets_url(&self, company: &str) -> String {
        self.url(&format!("/api/v1/companies/{company}/secrets"))
    }

    /// Creates the member if needed and returns them.
    pub fn member(&self, company: &str, name: &str) -> Member {
        let company = CompanyId::parse(company).expect("valid company");
        let name = MemberName::parse(name).expect("valid name");
        self.store()
            .ensure_member(&company, &name)
            .expect("ensure member")
    }

    /// Returns a new API token of the member.
    pub fn api_token(&self, company: &str, name: &str) -> String {
        self.token(company, name, CredentialKind::Api)
    }

    pub fn token(&self, company: &str, name: &str, kind: CredentialKind) -> String {
        let member = self.member(company, name);
        let token = self
            .store()
            .issue_credential(&member, kind)
            .expect("issue credential");
        token.expose().to_owned()
    }

    /// Sends a create request with a JSON body.
    pub async fn create(&self, token: &str, company: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.secrets_url(company))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// Fetches the company's public key with `token`, as a client does
    /// before it seals a value.
    pub async fn sealing_key(&self, token: &str, company: &str) -> SealingKey {
        let body = self.public_key(token, company).await;
        SealingKey::from_base64(&body.key_id, &body.public_key).expect("valid public key")
    }

    /// Fetches the company's public key with `token` and asserts 200.
    pub async fn public_key(&self, token: &str, company: &str) -> PublicKeyResponse {
        let response = self
            .client
            .get(self.url(&format!("/api/v1/companies/{company}/public-key")))
            .bearer_auth(token)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 200, "public key of {company}");
        response.json().await.expect("JSON public key")
    }

    /// Returns a create request body with `value` sealed to the company's
    /// public key.
    pub async fn sealed_request(
        &self,
        token: &str,
        company: &str,
        key: &str,
        value: &str,
    ) -> Value {
        let sealing_key = self.sealing_key(token, company).await;
        sealed_request(&sealing_key, key, value)
    }

    /// Creates a secret with its value sealed to the company's public key,
    /// and asserts 201.
    pub async fn create_ok(&self, token: &str, company: &str, key: &str, value: &str) {
        let body = self.sealed_request(token, company, key, value).await;
        let response = self.create(token, company, &body).await;
        assert_eq!(
            response.status(),
            201,
            "create {key}: {}",
            response.text().await.unwrap_or_default()
        );
    }

    /// Issues a runner of `company`, which is created with the member
    /// `owner` if needed, and returns its token.
    pub fn runner_token(&self, company: &str, name: &str) -> String {
        self.member(company, "owner");
        let company = CompanyId::parse(company).expect("valid company");
        let name = RunnerName::parse(name).expect("valid name");
        let (_, token) = self
            .store()
            .issue_runner(&company, &name)
            .expect("issue runner");
        token.expose().to_owned()
    }

    /// Sends a task start of `company` with the runner token `runner`.
    pub async fn start_task(&self, runner: &str, company: &str) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/api/v1/companies/{company}/tasks")))
            .bearer_auth(runner)
            .send()
            .await
            .expect("sent")
    }

    /// Starts a task of `company`, asserts 201 and returns the task.
    pub async fn start_task_ok(&self, runner: &str, company: &str) -> StartedTask {
        let response = self.start_task(runner, company).await;
        assert_eq!(response.status(), 201, "start a task of {company}");
        response.json().await.expect("JSON task")
    }

    /// Sends a request with the bearer `token` to the task route `route`
    /// (`secrets`, `catalog` or `finish`) of the task `task_id`.
    pub async fn task_request(&self, route: &str, task_id: &str, token: &str) -> reqwest::Response {
        let url = self.url(&format!("/api/v1/tasks/{task_id}/{route}"));
        let request = match route {
            "finish" => self.client.post(url),
            _ => self.client.get(url),
        };
        request.bearer_auth(token).send().await.expect("sent")
    }

    /// Reads the task's secrets, asserts 200 and returns them.
    pub async fn task_secrets(&self, task: &StartedTask) -> TaskSecrets {
        let response = self
            .task_request("secrets", &task.task_id, &task.task_token)
            .await;
        assert_eq!(response.status(), 200, "secrets of task {}", task.task_id);
        assert_eq!(response.headers()["cache-control"], "no-store");
        response.json().await.expect("JSON task secrets")
    }

    /// Lists the keys of the company's secrets.
    pub async fn keys(&self, token: &str, company: &str) -> Vec<String> {
        let response = self
            .client
            .get(self.secrets_url(company))
            .bearer_auth(token)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.expect("JSON");
        body["secrets"]
            .as_array()
            .expect("secrets array")
            .iter()
            .map(|secret| secret["key"].as_str().expect("key").to_owned())
            .collect()
    }

    /// Opens a separate connection to the server's SQLite file. Tests that
    /// call it run on SQLite only.
    pub fn database(&self) -> rusqlite::Connection {
        assert!(
            !on_postgres(),
            "this test reads the SQLite file, so it runs on SQLite only"
        );
        rusqlite::Connection::open(self.dir.path().join("data/secrets.db")).expect("open database")
    }

    pub fn count(&self, sql: &str) -> i64 {
        query_count(&self.dir.path().join("data"), sql, &[])
    }
}

/// Returns the status and JSON error code of each response, in order; the
/// code is empty for a success.
pub async fn statuses_and_codes(responses: Vec<reqwest::Response>) -> Vec<(u16, String)> {
    let mut results = Vec::new();
    for response in responses {
        let status = response.status().as_u16();
        let body: Value = response.json().await.expect("JSON");
        results.push((status, body["code"].as_str().unwrap_or_default().to_owned()));
    }
    results
}

/// Asserts that a response has this status, JSON error code and message.
pub async fn assert_error(response: reqwest::Response, status: u16, code: &str, message: &str) {
    assert_eq!(response.status(), status);
    let body: Value = response.json().await.expect("JSON error body");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["message"], message, "{body}");
}

/// Sends raw bytes over a new connection and returns the status code and the
/// whole response text. The connection stays open for writing until the
/// server closes it, so no unread request bytes make the server reset it.
pub async fn raw_request(addr: SocketAddr, parts: &[&[u8]]) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    for part in parts {
        stream.write_all(part).await.expect("write");
    }
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut response))
        .await
        .expect("response before timeout")
        .expect("read response");
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    (status, text)
}

/// The real `secrets-server` binary running as a child process, with its
/// stdout and stderr collected.
pub struct Binary {
    pub child: Child,
    pub stdout: Arc<Mutex<String>>,
    pub stderr: Arc<Mutex<String>>,
}

impl Binary {
    /// Spawns the binary with `args` and `env`; `RUST_LOG` and
    /// `SECRETS_MASTER_KEY` are cleared unless `env` sets them.
    pub fn spawn(args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_secrets-server"));
        command
            .args(args)
            .env_remove("RUST_LOG")
            .env_remove("SECRETS_MASTER_KEY")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let data_dir = args
            .iter()
            .position(|arg| *arg == "--data-dir")
            .and_then(|index| args.get(index + 1));
        if let Some(url) = data_dir.and_then(|data_dir| postgres_url(Path::new(data_dir))) {
            command.env("SECRETS_DATABASE_URL", url);
        }
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("spawn secrets-server");
        let stdout = collect(child.stdout.take().expect("stdout"));
        let stderr = collect(child.stderr.take().expect("stderr"));
        Self {
            child,
            stdout,
            stderr,
        }
    }

    /// Runs an operator command to completion, asserts that it succeeded and
    /// returns its stdout.
    pub fn run_ok(args: &[&str], env: &[(&str, &str)]) -> String {
        let mut command = Self::spawn(args, env);
        assert_eq!(command.wait(), Some(0), "{args:?}: {}", command.stderr());
        command.stdout()
    }

    /// Creates the company `company` in a new conglomerate of the same ID.
    pub fn create_company(data_dir: &Path, company: &str, env: &[(&str, &str)]) {
        let data_dir = data_dir.to_str().expect("UTF-8");
        Self::run_ok(
            &["conglomerate", "create", company, "--data-dir", data_dir],
            env,
        );
        Self::run_ok(
            &[
                "company",
                "create",
                company,
                "--conglomerate",
                company,
                "--data-dir",
                data_dir,
            ],
            env,
        );
    }

    /// Spawns `serve` on a free port of 127.0.0.1 and waits until it listens.
    pub fn serve(data_dir: &Path, dist_dir: &Path, env: &[(&str, &str)]) -> (Self, String) {
        Self::serve_with_args(data_dir, dist_dir, &[], env)
    }

    /// Spawns `serve` with `extra_args` added, on a free port of 127.0.0.1,
    /// and waits until it listens.
    pub fn serve_with_args(
        data_dir: &Path,
        dist_dir: &Path,
        extra_args: &[&str],
        env: &[(&str, &str)],
    ) -> (Self, String) {
        let mut args = vec![
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--data-dir",
            data_dir.to_str().expect("UTF-8 path"),
            "--dist-dir",
            dist_dir.to_str().expect("UTF-8 path"),
        ];
        args.extend_from_slice(extra_args);
        let binary = Self::spawn(&args, env);
        let base_url = binary.wait_for_base_url();
        (binary, base_url)
    }

    /// Waits for the "listening on URL" log line and returns the URL.
    fn wait_for_base_url(&self) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let stderr = self.stderr.lock().expect("stderr lock").clone();
            if let Some(rest) = stderr.split("listening on ").nth(1) {
                return rest.split_whitespace().next().expect("URL").to_owned();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "server did not start; stderr:\n{}",
            self.stderr.lock().expect("stderr lock")
        );
    }

    /// Waits for the process to exit and returns its exit code.
    pub fn wait(&mut self) -> Option<i32> {
        let status = self.child.wait().expect("wait for child");
        // Let the reader threads drain the pipes.
        std::thread::sleep(Duration::from_millis(200));
        status.code()
    }

    /// Waits up to `limit` for the process to exit. Returns its exit code,
    /// or `None` when it is still running.
    pub fn wait_at_most(&mut self, limit: Duration) -> Option<Option<i32>> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("poll child") {
                // Let the reader threads drain the pipes.
                std::thread::sleep(Duration::from_millis(200));
                return Some(status.code());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// Sends SIGTERM to the child (by its PID) and waits for it to exit.
    pub fn terminate(&mut self) -> Option<i32> {
        self.send_sigterm();
        self.wait()
    }

    /// Sends SIGTERM to the child, by its PID.
    pub fn send_sigterm(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
    }

    pub fn stdout(&self) -> String {
        self.stdout.lock().expect("stdout lock").clone()
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().expect("stderr lock").clone()
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn collect(pipe: impl Read + Send + 'static) -> Arc<Mutex<String>> {
    let buffer = Arc::new(Mutex::new(String::new()));
    let writer = Arc::clone(&buffer);
    std::thread::spawn(move || {
        let mut reader = BufReader::new(pipe);
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap_or(0) > 0 {
            writer.lock().expect("buffer lock").push_str(&line);
            line.clear();
        }
    });
    buffer
}

/// Returns the token of a login link: the text after `token=`.
pub fn token_of_link(link: &str) -> &str {
    link.split("token=").nth(1).expect("link has a token")
}

/// Signs in with a login link as a browser does: opens the link, then
/// posts its token from the same origin. Returns the response to the post.
pub async fn sign_in(client: &reqwest::Client, link: &str) -> reqwest::Response {
    let page = client.get(link).send().await.expect("sent");
    assert_eq!(page.status(), 200, "login page");
    let origin = link.split("/login").next().expect("origin");
    client
        .post(format!("{origin}/login"))
        .header("sec-fetch-site", "same-origin")
        .form(&[("token", token_of_link(link))])
        .send()
        .await
        .expect("sent")
}

/// Returns the `name=value` pair of the session cookie that a sign-in
/// response sets.
pub fn session_cookie(response: &reqwest::Response) -> String {
    response.headers()["set-cookie"]
        .to_str()
        .expect("ASCII")
        .split(';')
        .next()
        .expect("pair")
        .to_owned()
}

/// Returns the login link printed by a first start: the stdout line that
/// starts with `http`.
pub fn login_link_from(stdout: &str) -> Option<String> {
    stdout
        .lines()
        .find(|line| line.starts_with("http"))
        .map(str::to_owned)
}

impl Binary {
    /// Spawns `serve` over `data_dir` on a free port of 127.0.0.1 without
    /// waiting for it to listen, for a start that is expected to fail.
    pub fn spawn_serve(data_dir: &Path, env: &[(&str, &str)]) -> Self {
        let data_dir = data_dir.to_str().expect("UTF-8 path");
        let args = ["serve", "--addr", "127.0.0.1:0", "--data-dir", data_dir];
        Self::spawn(&args, env)
    }

    /// Waits up to 30 seconds for the process to exit and asserts its exit
    /// code. A process that keeps running fails the test instead of
    /// blocking it.
    pub fn assert_exit_code(&mut self, code: i32) {
        let exit = self.wait_at_most(Duration::from_secs(30));
        assert_eq!(exit, Some(Some(code)), "{}", self.stderr());
    }
}

/// Creates `company` in a conglomerate of the same ID unless it exists,
/// adds the member `name` to its conglomerate unless it is a member, and
/// returns a new API token of the member, all through the real binary.
pub fn add_member(data_dir: &Path, company: &str, name: &str, env: &[(&str, &str)]) -> String {
    let data_dir_text = data_dir.to_str().expect("UTF-8 path");
    let run_unless_done = |args: &[&str], already_done: &str| {
        let args = [args, &["--data-dir", data_dir_text]].concat();
        let mut command = Binary::spawn(&args, env);
        if command.wait() != Some(0) {
            let stderr = command.stderr();
            assert!(stderr.contains(already_done), "{args:?}: {stderr}");
        }
    };
    run_unless_done(&["conglomerate", "create", company], "already exists");
    run_unless_done(
        &["company", "create", company, "--conglomerate", company],
        "already exists",
    );
    run_unless_done(
        &["member", "add", "--company", company, "--name", name],
        "already has a member",
    );
    let issued = Binary::run_ok(
        &[
            "token",
            "issue",
            "--data-dir",
            data_dir_text,
            "--company",
            company,
            "--name",
            name,
        ],
        env,
    );
    issued.trim().to_owned()
}

/// Returns the values of a task's secrets by key, and asserts that every
/// value could be opened.
pub fn values_by_key(secrets: &TaskSecrets) -> Vec<(String, String)> {
    assert!(secrets.unreadable.is_empty(), "{:?}", secrets.unreadable);
    secrets
        .secrets
        .iter()
        .map(|secret| (secret.key.as_str().to_owned(), secret.value.to_string()))
        .collect()
}

/// Seals `value` with `sealing_key` and returns the sealed box in base64,
/// as a client sends it.
pub fn seal(sealing_key: &SealingKey, value: &str) -> String {
    let value = SecretValue::new(Zeroizing::new(value.to_owned())).expect("valid value");
    sealing_key.seal(&value).to_base64()
}

/// Seals any bytes to `public_key`, also bytes that no client would seal
/// because they break the value rules, and returns the sealed box in
/// base64.
pub fn seal_bytes(public_key: &PublicKeyResponse, bytes: &[u8]) -> String {
    let engine = base64::engine::general_purpose::STANDARD;
    let key_bytes: [u8; 32] = engine
        .decode(&public_key.public_key)
        .expect("base64")
        .try_into()
        .expect("32 bytes");
    let sealed = crypto_box::PublicKey::from(key_bytes)
        .seal(&mut crypto_box::aead::OsRng, bytes)
        .expect("sealed");
    engine.encode(sealed)
}

/// Returns a create request body with `value` sealed with `sealing_key`.
pub fn sealed_request(sealing_key: &SealingKey, key: &str, value: &str) -> Value {
    json!({
        "key": key,
        "sealed_value": seal(sealing_key, value),
        "key_id": sealing_key.key_id(),
    })
}

/// Returns the public key of `company`, read from the store, which
/// creates the company's key pair when it has none.
pub fn store_sealing_key(store: &Store, company: &str) -> SealingKey {
    let company = CompanyId::parse(company).expect("valid company");
    let public_key = store.public_key(&company).expect("public key");
    let encoded = base64::engine::general_purpose::STANDARD.encode(public_key.public_key);
    SealingKey::from_base64(&public_key.key_id, &encoded).expect("valid public key")
}

/// Returns a validated create request of `company` whose value is sealed
/// to the company's public key, for calls to the store.
pub fn new_secret(store: &Store, company: &str, key: &str, value: &str) -> NewSecret {
    let body = sealed_request(&store_sealing_key(store, company), key, value);
    let request: CreateSecretRequest = serde_json::from_value(body).expect("request");
    request.validate().expect("valid secret")
}

/// Fetches the public key of `company` from the server at `base_url` with
/// a member's `token`, as a client does before it seals a value.
pub async fn fetch_sealing_key(
    client: &reqwest::Client,
    base_url: &str,
    company: &str,
    token: &str,
) -> SealingKey {
    let response = client
        .get(format!("{base_url}/api/v1/companies/{company}/public-key"))
        .bearer_auth(token)
        .send()
        .await
        .expect("sent");
    let public_key: PublicKeyResponse = response.json().await.expect("JSON public key");
    SealingKey::from_base64(&public_key.key_id, &public_key.public_key).expect("public key")
}

/// Issues a runner named `agents` of `company` through the real binary and
/// returns its token.
pub fn issue_runner(data_dir: &Path, company: &str, env: &[(&str, &str)]) -> String {
    let stdout = Binary::run_ok(
        &[
            "runner",
            "issue",
            "--company",
            company,
            "--name",
            "agents",
            "--data-dir",
            data_dir.to_str().expect("UTF-8 path"),
        ],
        env,
    );
    stdout.trim().to_owned()
}

/// Stores a secret through the store, as the member `owner` of `company`.
pub fn store_secret(store: &Store, company: &str, key: &str, value: &str) {
    let company_id = CompanyId::parse(company).expect("valid company");
    let owner = MemberName::parse("owner").expect("valid name");
    let member = store.ensure_member(&company_id, &owner).expect("member");
    let secret = new_secret(store, company, key, value);
    store
        .create_secret(&company_id, &member, &secret)
        .expect("create secret");
}

/// Returns the value of a secret, decrypted by the store.
pub fn stored_value(store: &Store, company: &str, key: &str) -> String {
    let company = CompanyId::parse(company).expect("valid company");
    let key = secrets_core::SecretKey::parse(key).expect("valid key");
    let value = store.open_value(&company, &key).expect("open value");
    value.expose().to_owned()
}

/// Returns `true` when the database file or its `-wal` or `-shm` file in
/// `data_dir` contains `needle`.
pub fn database_files_contain(data_dir: &Path, needle: &[u8]) -> bool {
    ["secrets.db", "secrets.db-wal", "secrets.db-shm"]
        .iter()
        .filter_map(|file| std::fs::read(data_dir.join(file)).ok())
        .any(|bytes| bytes.windows(needle.len()).any(|window| window == needle))
}
