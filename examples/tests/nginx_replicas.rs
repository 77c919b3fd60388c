//! Three stateless `soak_server` replicas behind nginx, configured by the
//! committed `deploy/nginx/mcp-clerk.conf` (rendered with loopback ports, a
//! temporary log directory and a per-test `tools/call` rate, nothing else
//! changed), all trusting one `TestIssuer`
//! whose JWKS endpoint counts its fetches:
//! - a rolling restart of every replica under load from several clients,
//!   each its own user: no failed call, no caller ever answered as another.
//!   Each step is what deploy/README.md tells an nginx user to do: start the
//!   replacement (on a new port), reload nginx with it in place of the old
//!   replica, then SIGTERM the old one, whose drain lets the calls it still
//!   has finish. Open-source nginx has no active health checks, so it cannot
//!   see `/readyz`; SIGTERM alone (`NGINX_RESTART=sigterm-only`: the old
//!   replica drains and its replacement starts on the same port) fails about
//!   one call per restart under this load (measured: 3–5 of ~20 000 over
//!   three restarts). nginx does not resend a POST it has written, and it
//!   writes some onto a keep-alive connection the replica closes when its
//!   listener closes, or onto a connection still in the closing listener's
//!   backlog (without upstream keep-alive too);
//! - a SIGKILLed replica: only calls in flight at the kill fail, none a
//!   second later;
//! - one JWKS fetch per replica process;
//! - nginx reads `Mcp-Method`/`Mcp-Name` (logs them, rate-limits `tools/call`
//!   only) without reading the body, and passes `WWW-Authenticate` and the
//!   balancer's resource URL through;
//! - stateful replicas sharing sessions through a real `redis-server` (the
//!   test's own, on an ephemeral port) behind plain round robin: no 404 for a
//!   live session, also after a SIGKILL of the replica that created it; after
//!   a `DELETE` every replica answers 404; another user's token with a live
//!   session id is refused on every replica.
//!
//! nginx runs as its own process (`daemon off`, pid, logs and temporary files
//! in a temporary directory). It must be installed (`scripts/test.sh`
//! installs it): the test fails, not skips, without it.

use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use mcp_clerk::testing::{ACCEPT, TestIssuer, message};
use serde_json::{Value, json};

mod support;

use support::{Kill, RedisServer, example_command, lines_of, rss_kib};

/// The tests of this file run one at a time: each runs nginx, three replicas
/// and several clients on a 2-core machine.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The committed configuration, the one the tests run.
const TEMPLATE: &str = include_str!("../../deploy/nginx/mcp-clerk.conf");

/// How long a SIGTERMed replica keeps its listener open: small, but long
/// enough for calls already sent to it to arrive.
const DRAIN_DELAY: &str = "300ms";

/// A generous bound for anything that should take a moment.
const PATIENCE: Duration = Duration::from_secs(30);

/// nginx: `$NGINX`, else `nginx` on `PATH`, else where Debian puts it
/// (`/usr/sbin`, often not on a user's `PATH`).
fn nginx_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("NGINX") {
        return path.into();
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(
            [
                "/usr/sbin",
                "/sbin",
                "/usr/local/sbin",
                "/usr/local/nginx/sbin",
            ]
            .map(PathBuf::from),
        )
        .map(|dir| dir.join("nginx"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "nginx is not installed: `bash scripts/test.sh` installs it (Debian package \
                 `nginx`), or set NGINX=/path/to/nginx"
            )
        })
}

/// A port that was free a moment ago (nginx and a replacement replica need
/// theirs before they start; a clash is retried).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}

/// A directory removed at the end of the test.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "mcp-clerk-nginx-{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the temporary directory");
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Replaces the one occurrence of `from` in `text`; panics when the template
/// no longer has it (the test must then be updated with the file).
fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "deploy/nginx/mcp-clerk.conf: expected `{from}` once"
    );
    text.replacen(from, to, 1)
}

/// The `tools/call` rate limit of a test.
#[derive(Debug, Clone, Copy)]
struct Limit {
    rate: &'static str,
    burst: u32,
}

/// For the tests that load the replicas: every client is 127.0.0.1.
const UNLIMITED: Limit = Limit {
    rate: "100000r/s",
    burst: 100_000,
};

/// `deploy/nginx/mcp-clerk.conf` for these replicas: the upstream's
/// `server` lines (their parameters kept), `listen`, the log directory and
/// the `tools/call` rate; the `ssl_` lines dropped (plain HTTP on loopback).
fn render(listen: u16, replicas: &[u16], dir: &Path, limit: Limit) -> String {
    let mut out = String::new();
    let mut servers = 0;
    let mut ssl = 0;
    for line in TEMPLATE.lines() {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("server 10.0.0.") {
            servers += 1;
            if servers == 1 {
                let params = rest.split_once(' ').map_or("", |(_, p)| p);
                for port in replicas {
                    out.push_str(&format!("    server 127.0.0.1:{port} {params}\n"));
                }
            }
            continue;
        }
        if trimmed.starts_with("ssl_") {
            ssl += 1;
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    assert_eq!(
        (servers, ssl),
        (3, 2),
        "deploy/nginx/mcp-clerk.conf changed shape"
    );
    let out = replace_once(
        &out,
        "listen 443 ssl;",
        &format!("listen 127.0.0.1:{listen};"),
    );
    let out = replace_once(&out, "rate=20r/s", &format!("rate={}", limit.rate));
    let out = replace_once(&out, "burst=40", &format!("burst={}", limit.burst));
    replace_once(
        &out,
        "/var/log/nginx/mcp-clerk.access.log",
        &dir.join("access.log").display().to_string(),
    )
}

/// The main configuration around the rendered file: what an installed
/// nginx.conf provides, with every path in `dir`.
fn main_conf(dir: &Path) -> String {
    let d = dir.display();
    // As root the workers would switch to `nobody`, who cannot use the
    // temporary directory; as anyone else the directive is ignored (a warning).
    let user = if is_root() { "user root;" } else { "" };
    format!(
        "daemon off;\n{user}\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log notice;\n\
         events {{ worker_connections 1024; }}\n\
         http {{\n\
             client_body_temp_path {d}/client_body;\n\
             proxy_temp_path {d}/proxy;\n\
             fastcgi_temp_path {d}/fastcgi;\n\
             uwsgi_temp_path {d}/uwsgi;\n\
             scgi_temp_path {d}/scgi;\n\
             include {d}/mcp-clerk.conf;\n\
         }}\n"
    )
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|euid| euid == "0"))
        })
        .unwrap_or(false)
}

fn kill(signal: &str, target: &str) {
    let _ = Command::new("kill")
        .args([signal, "--", target])
        .stderr(Stdio::null())
        .status();
}

/// nginx in its own process group, stopped (group and all) when dropped.
struct Nginx {
    child: Child,
    dir: TempDir,
    bin: PathBuf,
    port: u16,
    limit: Limit,
}

impl Nginx {
    fn start(replicas: &[u16], limit: Limit) -> Nginx {
        let bin = nginx_binary();
        let dir = TempDir::new("conf");
        std::fs::write(dir.0.join("nginx.conf"), main_conf(&dir.0)).unwrap();
        for attempt in 0.. {
            let port = free_port();
            std::fs::write(
                dir.0.join("mcp-clerk.conf"),
                render(port, replicas, &dir.0, limit),
            )
            .unwrap();
            let mut child = Command::new(&bin)
                .args(nginx_args(&dir.0))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .spawn()
                .unwrap_or_else(|e| panic!("run {}: {e}", bin.display()));
            let deadline = Instant::now() + PATIENCE;
            loop {
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Nginx {
                        child,
                        dir,
                        bin,
                        port,
                        limit,
                    };
                }
                if let Some(status) = child.try_wait().unwrap() {
                    let log = std::fs::read_to_string(dir.0.join("error.log")).unwrap_or_default();
                    assert!(
                        attempt < 5 && log.contains("Address already in use"),
                        "nginx exited ({status}):\n{log}"
                    );
                    break;
                }
                assert!(Instant::now() < deadline, "nginx is not listening");
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        unreachable!()
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/mcp", self.port)
    }

    fn access_log(&self) -> String {
        std::fs::read_to_string(self.dir.0.join("access.log")).unwrap_or_default()
    }

    fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.0.join("error.log")).unwrap_or_default()
    }

    /// The first `[error]` lines of the error log, for a failure message.
    fn errors(&self) -> String {
        let log = self.error_log();
        // refused connections are retried on the next replica: not the cause
        let errors: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("[error]") && !l.contains("(111: Connection refused)"))
            .take(8)
            .collect();
        errors.join("\n")
    }

    /// Points the upstream at `replicas` and reloads: new workers take the
    /// new list, the old ones finish their requests and exit.
    fn reload(&self, replicas: &[u16]) {
        std::fs::write(
            self.dir.0.join("mcp-clerk.conf"),
            render(self.port, replicas, &self.dir.0, self.limit),
        )
        .unwrap();
        let before = self.error_log().matches("gracefully shutting down").count();
        let status = Command::new(&self.bin)
            .args(nginx_args(&self.dir.0))
            .args(["-s", "reload"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "nginx -s reload: {status}");
        let deadline = Instant::now() + PATIENCE;
        // the old worker has closed its listener: every new connection
        // reaches a worker with the new upstream
        while self.error_log().matches("gracefully shutting down").count() == before {
            assert!(Instant::now() < deadline, "nginx did not reload");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn nginx_args(dir: &Path) -> Vec<String> {
    let d = dir.display();
    vec![
        "-p".into(),
        format!("{d}/"),
        "-c".into(),
        format!("{d}/nginx.conf"),
        "-e".into(),
        format!("{d}/error.log"),
    ]
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        kill("-TERM", &group);
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        kill("-KILL", &group);
        let _ = self.child.wait();
    }
}

/// One `soak_server` replica process.
struct Replica {
    child: Kill,
    port: u16,
}

impl Replica {
    /// Starts a replica on `port` (0: any); `None` when it could not bind.
    fn try_start(
        issuer: &str,
        resource_url: &str,
        port: u16,
        log: &Path,
        redis: Option<&str>,
    ) -> Option<Replica> {
        let stderr = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap();
        let mut cmd = example_command(env!("CARGO_BIN_EXE_soak_server"));
        let mode = if redis.is_some() {
            "stateful"
        } else {
            "stateless"
        };
        if let Some(url) = redis {
            cmd.env("MCP_CLERK_REDIS_URL", url);
        }
        cmd.args([mode, issuer, &format!("127.0.0.1:{port}")])
            .env("MCP_CLERK_RESOURCE_URL", resource_url)
            .env("MCP_CLERK_DRAIN_DELAY", DRAIN_DELAY)
            .env("MCP_CLERK_DRAIN_DEADLINE", "10s")
            .env("RUST_LOG", "warn")
            // one tokio worker each (REPLICA_WORKERS for bench/replicas.sh)
            .env(
                "WORKERS",
                std::env::var("REPLICA_WORKERS").unwrap_or_else(|_| "1".to_owned()),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr);
        let mut child = Kill(cmd.spawn().expect("spawn soak_server"));
        let rx = lines_of(child.0.stdout.take().unwrap());
        let line = rx.recv_timeout(Duration::from_secs(60)).ok()?;
        let addr = line.strip_prefix("READY ")?;
        let port = addr.rsplit_once(':')?.1.parse().ok()?;
        Some(Replica { child, port })
    }

    /// Starts a replica, on `port` if given (retried while the port is taken).
    fn start(
        issuer: &str,
        resource_url: &str,
        port: u16,
        log: &Path,
        redis: Option<&str>,
    ) -> Replica {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(replica) = Replica::try_start(issuer, resource_url, port, log, redis) {
                return replica;
            }
            assert!(Instant::now() < deadline, "no replica on port {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn sigterm(&self) {
        kill("-TERM", &self.child.0.id().to_string());
    }

    /// Waits for the process to exit (bounded).
    async fn exited(&mut self) -> ExitStatus {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.0.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the replica did not exit");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Polls `/readyz` on the replica itself until it answers 200.
    async fn ready(&self) {
        let url = format!("http://127.0.0.1:{}/readyz", self.port);
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(r) = reqwest::get(&url).await
                && r.status() == 200
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "replica {} never ready",
                self.port
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// The issuer, the replicas and nginx in front of them.
struct Cluster {
    issuer: TestIssuer,
    replicas: Vec<Replica>,
    nginx: Nginx,
    /// The replicas' stderr.
    log: PathBuf,
    /// Replica processes started so far.
    started: usize,
    /// The Redis URL of stateful replicas.
    redis: Option<String>,
}

impl Cluster {
    async fn start(limit: Limit) -> Cluster {
        Cluster::with_replicas(limit, 3).await
    }

    async fn with_replicas(limit: Limit, n: usize) -> Cluster {
        Cluster::of(limit, n, None).await
    }

    /// `n` replicas, stateful with the Redis store at `redis` when given.
    async fn of(limit: Limit, n: usize, redis: Option<String>) -> Cluster {
        let issuer = TestIssuer::start().await;
        // nginx's port comes first (the replicas name it in their resource
        // URL): it starts with a placeholder upstream, then gets the replicas.
        let nginx = Nginx::start(&[free_port()], limit);
        let log = nginx.dir.0.join("replicas.log");
        let url = nginx.url();
        let replicas: Vec<Replica> = (0..n)
            .map(|_| Replica::start(issuer.issuer(), &url, 0, &log, redis.as_deref()))
            .collect();
        for r in &replicas {
            r.ready().await;
        }
        nginx.reload(&ports(&replicas));
        Cluster {
            issuer,
            started: replicas.len(),
            replicas,
            nginx,
            log,
            redis,
        }
    }

    /// Starts a replica on `port` (0: any).
    async fn replica(&mut self, port: u16) -> Replica {
        let replica = Replica::start(
            self.issuer.issuer(),
            &self.nginx.url(),
            port,
            &self.log,
            self.redis.as_deref(),
        );
        self.started += 1;
        replica.ready().await;
        replica
    }

    /// Calls `whoami` on every replica directly, so each has verified a
    /// token (and fetched the JWKS) at least once.
    async fn touch_every_replica(&self) {
        let token = self.issuer.oauth_token("user_direct").sign();
        for r in &self.replicas {
            let url = format!("http://127.0.0.1:{}/mcp", r.port);
            let answer = call(&http(), &url, &token).await;
            assert_eq!(answer, Ok("user_direct".to_owned()), "replica {}", r.port);
        }
    }

    /// No token in any log: nginx's, the replicas'.
    fn assert_no_token_logged(&self) {
        let replicas = std::fs::read_to_string(&self.log).unwrap_or_default();
        for (name, text) in [
            ("access", self.nginx.access_log()),
            ("error", self.nginx.error_log()),
            ("replicas", replicas),
        ] {
            assert!(!text.contains("eyJ"), "a token in the {name} log");
        }
    }
}

fn ports(replicas: &[Replica]) -> Vec<u16> {
    replicas.iter().map(|r| r.port).collect()
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("HTTP client")
}

/// A request as an MCP client sends it: protocol `version`, and the
/// `Mcp-Method`/`Mcp-Name` headers when `method` is given.
fn request(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    version: &str,
    method: Option<(&str, Option<&str>)>,
    body: &Value,
) -> reqwest::RequestBuilder {
    let mut req = client
        .post(url)
        .header("content-type", "application/json")
        .header("accept", ACCEPT)
        .header("mcp-protocol-version", version)
        .json(body);
    if let Some((method, name)) = method {
        req = req.header("mcp-method", method);
        if let Some(name) = name {
            req = req.header("mcp-name", name);
        }
    }
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req
}

fn meta_2026() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "nginx-test", "version": "0"}
    })
}

fn whoami_2026() -> Value {
    json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
           "params": {"name": "whoami", "arguments": {}, "_meta": meta_2026()}})
}

/// A 2025-11-25 `whoami` call (no `Mcp-Method`): the answer's text, or why
/// there was none.
async fn call(client: &reqwest::Client, url: &str, token: &str) -> Result<String, String> {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                      "params": {"name": "whoami", "arguments": {}}});
    let response = request(client, url, Some(token), "2025-11-25", None, &body)
        .send()
        .await
        .map_err(|e| format!("transport: {e}"))?;
    let status = response.status();
    if status != 200 {
        let text = response.text().await.unwrap_or_default();
        return Err(format!("HTTP {status}: {}", text.trim()));
    }
    let answer = message(response).await.map_err(|e| e.to_string())?;
    answer["result"]["content"][0]["text"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("no text: {answer}"))
}

/// What a call got; the texts are read in failure messages (`Debug`).
#[derive(Debug)]
#[allow(dead_code)]
enum Outcome {
    Right,
    Wrong(String),
    Failed(String),
}

#[derive(Debug)]
struct Call {
    client: usize,
    started: Instant,
    ended: Instant,
    outcome: Outcome,
}

/// Clients calling `whoami` through nginx in a loop, each as its own user.
struct Load {
    stop: Arc<AtomicBool>,
    done: Arc<AtomicUsize>,
    tasks: Vec<tokio::task::JoinHandle<Vec<Call>>>,
}

impl Load {
    /// `keep_alive: false` opens a connection per call (see below).
    fn start(issuer: &TestIssuer, url: &str, clients: usize, keep_alive: bool) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicUsize::new(0));
        let tasks = (0..clients)
            .map(|client| {
                let user = format!("user_{client}");
                let token = issuer.oauth_token(&user).sign();
                let (url, stop, done) = (url.to_owned(), stop.clone(), done.clone());
                tokio::spawn(async move {
                    // a connection per call: a reload's old worker closes its
                    // idle client connections, which fails a POST sent on one
                    // at that moment (nginx's own race, not the replicas')
                    let http = reqwest::Client::builder()
                        .timeout(Duration::from_secs(20))
                        .pool_max_idle_per_host(if keep_alive { usize::MAX } else { 0 })
                        .build()
                        .expect("HTTP client");
                    let mut calls = Vec::new();
                    while !stop.load(Ordering::SeqCst) {
                        let started = Instant::now();
                        let outcome = match call(&http, &url, &token).await {
                            Ok(text) if text == user => Outcome::Right,
                            Ok(text) => Outcome::Wrong(text),
                            Err(e) => Outcome::Failed(e),
                        };
                        calls.push(Call {
                            client,
                            started,
                            ended: Instant::now(),
                            outcome,
                        });
                        done.fetch_add(1, Ordering::SeqCst);
                    }
                    calls
                })
            })
            .collect();
        Load { stop, done, tasks }
    }

    /// Waits until the clients have made `n` more calls (bounded).
    async fn progress(&self, n: usize) {
        let target = self.done.load(Ordering::SeqCst) + n;
        let deadline = Instant::now() + PATIENCE;
        while self.done.load(Ordering::SeqCst) < target {
            assert!(Instant::now() < deadline, "the clients make no progress");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    async fn stop(self) -> Vec<Call> {
        self.stop.store(true, Ordering::SeqCst);
        let mut calls = Vec::new();
        for task in self.tasks {
            calls.extend(
                tokio::time::timeout(PATIENCE, task)
                    .await
                    .expect("a client hangs")
                    .unwrap(),
            );
        }
        calls
    }
}

const CLIENTS: usize = 6;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolling_restart_under_load_fails_no_call_and_answers_every_user_as_itself() {
    let _serial = SERIAL.lock().await;
    let mut cluster = Cluster::start(UNLIMITED).await;
    let load = Load::start(&cluster.issuer, &cluster.nginx.url(), CLIENTS, false);
    load.progress(50).await;

    // See the module documentation: `NGINX_RESTART=sigterm-only` runs the
    // restart without taking the replica out of nginx first.
    let reload = std::env::var("NGINX_RESTART").as_deref() != Ok("sigterm-only");
    for i in 0..cluster.replicas.len() {
        let old_port = cluster.replicas[i].port;
        if reload {
            let new = cluster.replica(0).await;
            let mut upstream = ports(&cluster.replicas);
            upstream[i] = new.port;
            cluster.nginx.reload(&upstream);
            let mut old = std::mem::replace(&mut cluster.replicas[i], new);
            old.sigterm();
            assert!(old.exited().await.success(), "exit after SIGTERM");
        } else {
            cluster.replicas[i].sigterm();
            let status = cluster.replicas[i].exited().await;
            assert!(status.success(), "exit after SIGTERM: {status}");
            cluster.replicas[i] = cluster.replica(old_port).await;
            // nginx tries a replica it found down again after fail_timeout
            tokio::time::sleep(Duration::from_millis(3_500)).await;
        }
        load.progress(50).await;
    }
    let last_restart = Instant::now();
    load.progress(100).await;
    let calls = load.stop().await;

    let failed: Vec<&Call> = calls
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Failed(_)))
        .collect();
    let wrong: Vec<&Call> = calls
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Wrong(_)))
        .collect();
    eprintln!(
        "rolling restart ({}): {} calls, {} failed, {} wrong",
        if reload { "reload" } else { "same port" },
        calls.len(),
        failed.len(),
        wrong.len()
    );
    assert!(wrong.is_empty(), "answered as another user: {wrong:?}");
    assert!(
        failed.is_empty(),
        "{} failed calls: {:?}\nnginx:\n{}",
        failed.len(),
        &failed[..failed.len().min(3)],
        cluster.nginx.errors()
    );
    for client in 0..CLIENTS {
        assert!(
            calls
                .iter()
                .any(|c| c.client == client && c.started > last_restart),
            "client {client} made no call after the restarts"
        );
    }
    cluster.touch_every_replica().await;
    assert_eq!(
        cluster.issuer.jwks_fetches(),
        cluster.started,
        "one JWKS fetch per replica process (3 + 3 restarted)"
    );
    assert_eq!(cluster.started, 6);
    cluster.assert_no_token_logged();
}

/// A stateful request in session `id` (2025-11-25, the session's revision).
fn in_session(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    id: &str,
    body: &Value,
) -> reqwest::RequestBuilder {
    request(client, url, Some(token), "2025-11-25", None, body).header("mcp-session-id", id)
}

/// Opens a session at `url` as `token`'s user (initialize, initialized).
async fn open_session(client: &reqwest::Client, url: &str, token: &str) -> String {
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "nginx-test", "version": "0"}}});
    let r = request(client, url, Some(token), "2025-11-25", None, &init)
        .send()
        .await
        .expect("initialize");
    assert_eq!(r.status(), 200, "initialize at {url}");
    let id = r.headers()["mcp-session-id"].to_str().unwrap().to_owned();
    let _ = r.text().await;
    let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let r = in_session(client, url, token, &id, &note)
        .send()
        .await
        .expect("initialized");
    assert_eq!(r.status(), 202, "initialized at {url}");
    id
}

/// `whoami` in session `id`: the user id, or the HTTP status (0: transport).
async fn whoami_in(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    id: &str,
) -> Result<String, u16> {
    let body = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                      "params": {"name": "whoami", "arguments": {}}});
    let r = in_session(client, url, token, id, &body)
        .send()
        .await
        .map_err(|_| 0u16)?;
    if r.status() != 200 {
        return Err(r.status().as_u16());
    }
    let answer = message(r).await.map_err(|_| 1u16)?;
    answer["result"]["content"][0]["text"]
        .as_str()
        .map(str::to_owned)
        .ok_or(2)
}

/// Sessions of several users, each called `rounds` times through nginx:
/// the failures (`(user, status)`), which must be none.
async fn call_all(
    client: &reqwest::Client,
    url: &str,
    sessions: &[(String, String, String)],
    rounds: usize,
) -> Vec<(String, Result<String, u16>)> {
    let mut bad = Vec::new();
    for _ in 0..rounds {
        for (user, token, id) in sessions {
            let answer = whoami_in(client, url, token, id).await;
            if answer.as_deref() != Ok(user.as_str()) {
                bad.push((user.clone(), answer));
            }
        }
    }
    bad
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stateful_replicas_with_the_redis_store_serve_every_session_anywhere_and_end_it_everywhere()
{
    let _serial = SERIAL.lock().await;
    let redis = RedisServer::start();
    let mut cluster = Cluster::of(UNLIMITED, 3, Some(redis.url())).await;
    let client = http();
    let url = cluster.nginx.url();
    let users: Vec<(String, String)> = (0..4)
        .map(|i| {
            let user = format!("user_s{i}");
            let token = cluster.issuer.oauth_token(&user).sign();
            (user, token)
        })
        .collect();
    // Two sessions per user opened through nginx, one on replica 0 itself
    // (as if nginx had sent its initialize there).
    let first = format!("http://127.0.0.1:{}/mcp", cluster.replicas[0].port);
    let mut sessions = Vec::new();
    let mut on_first = Vec::new();
    for (user, token) in &users {
        for _ in 0..2 {
            let id = open_session(&client, &url, token).await;
            sessions.push((user.clone(), token.clone(), id));
        }
        let id = open_session(&client, &first, token).await;
        on_first.push((user.clone(), token.clone(), id));
    }
    sessions.extend(on_first.iter().cloned());

    // Plain round robin spreads every session's calls over the replicas.
    let bad = call_all(&client, &url, &sessions, 6).await;
    assert!(bad.is_empty(), "live sessions refused: {bad:?}");

    // SIGKILL the replica that created `on_first`: nothing is lost.
    cluster.replicas[0].child.0.kill().expect("SIGKILL");
    let _ = cluster.replicas[0].child.0.wait();
    let bad = call_all(&client, &url, &sessions, 6).await;
    assert!(bad.is_empty(), "after the SIGKILL: {bad:?}");
    let alive: Vec<String> = cluster.replicas[1..]
        .iter()
        .map(|r| format!("http://127.0.0.1:{}/mcp", r.port))
        .collect();

    // Another user's token with a live session id: refused on every replica.
    let (victim_user, _, victim) = &on_first[0];
    let (thief_user, thief, _) = &sessions[sessions.len() - 1];
    assert_ne!(victim_user, thief_user);
    for replica in alive.iter().chain([&url]) {
        assert_eq!(
            whoami_in(&client, replica, thief, victim).await,
            Err(404),
            "{replica}"
        );
    }

    // A DELETE through nginx (on some replica): every replica answers 404.
    for (_, token, id) in &sessions[..3] {
        let r = client
            .delete(&url)
            .header("mcp-protocol-version", "2025-11-25")
            .header("mcp-session-id", id)
            .bearer_auth(token)
            .send()
            .await
            .expect("DELETE");
        assert_eq!(r.status(), 202, "DELETE");
        for replica in alive.iter().chain([&url, &url]) {
            assert_eq!(
                whoami_in(&client, replica, token, id).await,
                Err(404),
                "{replica} after the DELETE"
            );
        }
    }
    let bad = call_all(&client, &url, &sessions[3..], 2).await;
    assert!(bad.is_empty(), "the other sessions live on: {bad:?}");
    cluster.assert_no_token_logged();
    drop(redis);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_replica_fails_only_the_calls_in_flight() {
    let _serial = SERIAL.lock().await;
    let mut cluster = Cluster::start(UNLIMITED).await;
    let load = Load::start(&cluster.issuer, &cluster.nginx.url(), CLIENTS, false);
    load.progress(100).await;

    let port = cluster.replicas[1].port;
    let kill_started = Instant::now();
    cluster.replicas[1].child.0.kill().expect("SIGKILL");
    let _ = cluster.replicas[1].child.0.wait();
    let killed = Instant::now();
    load.progress(50).await;
    tokio::time::sleep_until((killed + Duration::from_millis(1_500)).into()).await;
    load.progress(50).await;
    let calls = load.stop().await;

    let failed: Vec<&Call> = calls
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Failed(_)))
        .collect();
    let wrong = calls
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Wrong(_)))
        .count();
    let in_flight = failed
        .iter()
        .filter(|c| c.started <= killed && c.ended >= kill_started)
        .count();
    eprintln!(
        "SIGKILL: {} calls, {} failed ({in_flight} in flight at the kill): {:?}",
        calls.len(),
        failed.len(),
        failed
            .iter()
            .map(|c| (
                c.started.saturating_duration_since(kill_started),
                &c.outcome
            ))
            .collect::<Vec<_>>()
    );
    assert_eq!(wrong, 0);
    let late: Vec<_> = failed
        .iter()
        .filter(|c| c.started > killed + Duration::from_secs(1))
        .collect();
    eprintln!("nginx: {}", cluster.nginx.errors());
    assert!(
        late.is_empty(),
        "failures a second after the kill: {late:?}"
    );
    assert!(
        calls
            .iter()
            .any(|c| c.started > killed + Duration::from_secs(1)
                && matches!(c.outcome, Outcome::Right)),
        "calls succeed after the kill"
    );

    // A replacement on the same port; every process fetched the JWKS once.
    cluster.replicas[1] = cluster.replica(port).await;
    cluster.touch_every_replica().await;
    assert_eq!(
        cluster.issuer.jwks_fetches(),
        4,
        "3 replicas + 1 replacement"
    );
    cluster.assert_no_token_logged();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nginx_reads_the_mcp_method_headers_and_limits_only_tool_calls() {
    let _serial = SERIAL.lock().await;
    // three calls per client address, then 429 (no refill during the test)
    let cluster = Cluster::start(Limit {
        rate: "1r/m",
        burst: 2,
    })
    .await;
    let (url, http) = (cluster.nginx.url(), http());
    let token = cluster.issuer.oauth_token("user_methods").sign();

    // The challenge passes through and names the balancer, not a replica.
    let r = request(
        &http,
        &url,
        None,
        "2026-07-28",
        Some(("tools/call", Some("whoami"))),
        &whoami_2026(),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 401);
    let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
    let metadata_url = format!(
        "http://127.0.0.1:{}/.well-known/oauth-protected-resource/mcp",
        cluster.nginx.port
    );
    assert!(
        challenge.contains(&format!("resource_metadata=\"{metadata_url}\"")),
        "{challenge}"
    );
    let metadata: Value = http
        .get(&metadata_url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(metadata["resource"], url, "{metadata}");
    // the probes are the replicas' business, not the public's
    let probe = format!("http://127.0.0.1:{}/readyz", cluster.nginx.port);
    assert_eq!(http.get(&probe).send().await.unwrap().status(), 404);

    // initialize and tools/list, more often than the tools/call burst: never limited
    let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "nginx-test", "version": "0"}}});
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list",
                      "params": {"_meta": meta_2026()}});
    for _ in 0..5 {
        let r = request(
            &http,
            &url,
            Some(&token),
            "2025-11-25",
            Some(("initialize", None)),
            &initialize,
        )
        .send()
        .await
        .unwrap();
        assert_eq!(r.status(), 200);
        let m = message(r).await.unwrap();
        assert_eq!(m["result"]["serverInfo"]["name"], "soak", "{m}");
        let r = request(
            &http,
            &url,
            Some(&token),
            "2026-07-28",
            Some(("tools/list", None)),
            &list,
        )
        .send()
        .await
        .unwrap();
        assert_eq!(r.status(), 200);
        let m = message(r).await.unwrap();
        assert!(
            m["result"]["tools"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t["name"] == "whoami")),
            "{m}"
        );
    }

    // tools/call: the rest of the burst passes, then nginx answers 429 itself
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let r = request(
            &http,
            &url,
            Some(&token),
            "2026-07-28",
            Some(("tools/call", Some("whoami"))),
            &whoami_2026(),
        )
        .send()
        .await
        .unwrap();
        statuses.push(r.status().as_u16());
        if r.status() == 200 {
            let m = message(r).await.unwrap();
            assert_eq!(m["result"]["content"][0]["text"], "user_methods", "{m}");
        }
    }
    assert_eq!(
        statuses,
        [200, 200, 429, 429, 429],
        "the anonymous call took one"
    );

    // What nginx saw: the method and tool from the headers; the 429s never
    // reached a replica.
    let log = cluster.nginx.access_log();
    let lines: Vec<&str> = log.lines().collect();
    let with = |needle: &str| lines.iter().filter(|l| l.contains(needle)).count();
    assert_eq!(with("mcp_method=initialize mcp_name=-"), 5, "{log}");
    assert_eq!(with("mcp_method=tools/list mcp_name=-"), 5, "{log}");
    assert_eq!(with("mcp_method=tools/call mcp_name=whoami"), 6, "{log}");
    for line in lines.iter().filter(|l| l.contains("\" 429 ")) {
        assert!(line.contains("upstream=- "), "a 429 went upstream: {line}");
    }
    assert_eq!(with("\" 429 "), 3, "{log}");
    cluster.assert_no_token_logged();
}

/// The replica's resident memory, in KiB (0 when it cannot be read).
fn replica_rss_kib(pid: u32) -> u64 {
    rss_kib(pid).unwrap_or(0)
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Not a test: `bash bench/replicas.sh` runs it on a release build. Calls/s
/// through nginx with 1 and with 3 replicas (rounds alternating the order,
/// keep-alive clients), each replica's RSS after the load, and the memory an
/// idle keep-alive connection costs a replica.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: bash bench/replicas.sh"]
async fn measure_replicas() {
    let _serial = SERIAL.lock().await;
    let rounds = env_or("ROUNDS", 3);
    let seconds = env_or("DURATION", 5);
    let clients = env_or("CLIENTS", 16) as usize;
    let idle = env_or("IDLE_CONNECTIONS", 1000) as usize;
    let mut rates: Vec<(usize, f64)> = Vec::new();
    let mut rss: Vec<u64> = Vec::new();
    for round in 0..rounds {
        let order = if round % 2 == 0 { [1, 3] } else { [3, 1] };
        for n in order {
            let cluster = Cluster::with_replicas(UNLIMITED, n).await;
            let load = Load::start(&cluster.issuer, &cluster.nginx.url(), clients, true);
            tokio::time::sleep(Duration::from_secs(1)).await;
            let from = load.done.load(Ordering::SeqCst);
            let started = Instant::now();
            tokio::time::sleep(Duration::from_secs(seconds)).await;
            let made = load.done.load(Ordering::SeqCst) - from;
            let rate = made as f64 / started.elapsed().as_secs_f64();
            let calls = load.stop().await;
            let bad = calls
                .iter()
                .filter(|c| !matches!(c.outcome, Outcome::Right))
                .count();
            assert_eq!(bad, 0, "every answer right during the measurement");
            if n == 3 {
                rss.extend(
                    cluster
                        .replicas
                        .iter()
                        .map(|r| replica_rss_kib(r.child.0.id())),
                );
            }
            println!("round {round}: {n} replica(s): {rate:.0} calls/s");
            rates.push((n, rate));
        }
    }
    let median = |n: usize| {
        let mut v: Vec<f64> = rates.iter().filter(|r| r.0 == n).map(|r| r.1).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (one, three) = (median(1), median(3));

    // Idle keep-alive connections held open to one replica.
    let cluster = Cluster::with_replicas(UNLIMITED, 1).await;
    let replica = &cluster.replicas[0];
    let pid = replica.child.0.id();
    let before = replica_rss_kib(pid);
    let mut held = Vec::with_capacity(idle);
    for _ in 0..idle {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let mut conn = tokio::net::TcpStream::connect(("127.0.0.1", replica.port))
            .await
            .expect("connect");
        conn.write_all(b"GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 512];
        let n = conn.read(&mut buf).await.unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
        held.push(conn);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = replica_rss_kib(pid);
    let per_connection = (after.saturating_sub(before)) as f64 * 1024.0 / idle as f64;
    drop(held);

    println!(
        "REPLICAS calls/s (median of {rounds}, {clients} clients, {seconds} s): 1 replica {one:.0}, \
         3 replicas {three:.0}, ratio {:.2}",
        three / one
    );
    println!("REPLICAS RSS per replica after the load (KiB): {rss:?}");
    println!(
        "REPLICAS idle keep-alive connections: {idle} held, RSS {before} -> {after} KiB, \
         ~{per_connection:.0} bytes each"
    );
}
