//! The soak client behind `bash bench/soak.sh`: many concurrent clients, each
//! calling as its own user, for a bounded time and a bounded number of calls,
//! against a `soak_server` it starts as a separate process; every answer is
//! checked.
//!
//! It runs a local testing issuer (a real RSA key and JWKS on loopback),
//! mints a valid, an expired and a forged token for each of `--users` users,
//! and starts `soak_server <mode> <issuer-url> 127.0.0.1:0`. Each client task
//! takes a user, then mixes:
//!
//! | kind | sent | expected |
//! |---|---|---|
//! | `valid` | `whoami` with the user's token | 200, the user's own id (another id is a wrong answer) |
//! | `expired` | `whoami` with the user's expired token | 401 `error="invalid_token"` |
//! | `forged` | `whoami` with a forged token (unpublished key, `alg: none`, HS256 key confusion, or another user's claims under this user's signature) | 401 `error="invalid_token"` |
//! | `anonymous` | `whoami` without a token | 401 without `error` |
//! | `public` | `ping`, with or without a token | 200 `pong` |
//! | `foreign` | stateful only: `whoami` with another user's valid token in this user's session | 404 |
//! | `initialize` | stateful only: `initialize` + `notifications/initialized`, as the user or anonymously | 200 with a session id, then 202 |
//! | `delete` | stateful only: `DELETE` of the user's session | 202 |
//!
//! In stateful mode each client initializes a session as its user (and one
//! anonymously, for its anonymous calls) and uses it; now and then it ends a
//! session, half the time with `DELETE`, half the time by walking away from
//! it, and moves on to its next user with a new session. Clients also change
//! users in stateless mode, so all users are seen.
//!
//! The server's RSS is read from `/proc/<pid>/status` (`VmRSS`) every
//! `--sample` seconds during the load and for `--settle` seconds after it.
//!
//! ```text
//! soak --server <path to soak_server> [--mode stateless|stateful|both]
//!      [--clients 32] [--duration 30] [--users 1000] [--max-calls 2000000]
//!      [--sample 1] [--settle 3] [--json]
//! ```
//!
//! Exit status: 0 when every answer was the expected one; 1 when there was a
//! wrong answer (a security or correctness failure); 2 when there was no
//! wrong answer but 5xx, other unexpected statuses or transport errors.
//! Tokens are never printed. `--json` adds one `SOAK_JSON {...}` line per mode.

use std::path::PathBuf;
use std::process::{ExitCode, Stdio};
use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use mcp_clerk::testing::{ACCEPT, TestIssuer};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const PROTOCOL: &str = "2025-11-25";
/// No request may take longer than this (then it counts as a transport error).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest soak accepted (tokens are minted to outlive it).
const MAX_DURATION_SECS: u64 = 24 * 3600;
/// At most this many failures are described in the report.
const MAX_DESCRIBED: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Stateless,
    Stateful,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Stateless => "stateless",
            Mode::Stateful => "stateful",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Valid,
    Expired,
    Forged,
    Anonymous,
    Public,
    Foreign,
    Initialize,
    Delete,
}

const KINDS: [Kind; 8] = [
    Kind::Valid,
    Kind::Expired,
    Kind::Forged,
    Kind::Anonymous,
    Kind::Public,
    Kind::Foreign,
    Kind::Initialize,
    Kind::Delete,
];

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Valid => "valid",
            Kind::Expired => "expired",
            Kind::Forged => "forged",
            Kind::Anonymous => "anonymous",
            Kind::Public => "public",
            Kind::Foreign => "foreign",
            Kind::Initialize => "initialize",
            Kind::Delete => "delete",
        }
    }

    fn in_mode(self, mode: Mode) -> bool {
        mode == Mode::Stateful || !matches!(self, Kind::Foreign | Kind::Initialize | Kind::Delete)
    }

    fn index(self) -> usize {
        KINDS.iter().position(|k| *k == self).unwrap_or(0)
    }
}

/// How one answer compared with what was expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Ok,
    /// The server answered, and the answer was wrong: another user's id,
    /// access granted to a bad token, the wrong challenge, a token echoed.
    Wrong,
    /// 5xx.
    ServerError,
    /// A status the check has no meaning for (400, 406, 429 …).
    Unexpected,
    /// No answer: connection error or timeout.
    Transport,
}

#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    calls: u64,
    ok: u64,
    wrong: u64,
    server_errors: u64,
    unexpected: u64,
    transport: u64,
}

impl Tally {
    fn add(&mut self, outcome: Outcome) {
        self.calls += 1;
        match outcome {
            Outcome::Ok => self.ok += 1,
            Outcome::Wrong => self.wrong += 1,
            Outcome::ServerError => self.server_errors += 1,
            Outcome::Unexpected => self.unexpected += 1,
            Outcome::Transport => self.transport += 1,
        }
    }

    fn merge(&mut self, other: &Tally) {
        self.calls += other.calls;
        self.ok += other.ok;
        self.wrong += other.wrong;
        self.server_errors += other.server_errors;
        self.unexpected += other.unexpected;
        self.transport += other.transport;
    }
}

/// What one client saw.
#[derive(Debug, Default)]
struct Stats {
    kinds: [Tally; KINDS.len()],
    latencies_us: Vec<u32>,
    sessions_created: u64,
    sessions_deleted: u64,
    sessions_abandoned: u64,
    /// Descriptions of the first failures (never a token).
    failures: Vec<String>,
}

impl Stats {
    fn record(&mut self, kind: Kind, started: Instant, result: Result<(), Failure>) {
        let us = started.elapsed().as_micros().min(u32::MAX as u128) as u32;
        self.latencies_us.push(us);
        match result {
            Ok(()) => self.kinds[kind.index()].add(Outcome::Ok),
            Err(failure) => {
                self.kinds[kind.index()].add(failure.outcome);
                if self.failures.len() < MAX_DESCRIBED {
                    self.failures.push(format!(
                        "{} ({:?}): {}",
                        kind.name(),
                        failure.outcome,
                        failure.why
                    ));
                }
            }
        }
    }

    fn merge(&mut self, other: Stats) {
        for (mine, theirs) in self.kinds.iter_mut().zip(other.kinds.iter()) {
            mine.merge(theirs);
        }
        self.latencies_us.extend(other.latencies_us);
        self.sessions_created += other.sessions_created;
        self.sessions_deleted += other.sessions_deleted;
        self.sessions_abandoned += other.sessions_abandoned;
        for f in other.failures {
            if self.failures.len() < MAX_DESCRIBED {
                self.failures.push(f);
            }
        }
    }

    fn total(&self) -> Tally {
        let mut t = Tally::default();
        for k in &self.kinds {
            t.merge(k);
        }
        t
    }
}

#[derive(Debug)]
struct Failure {
    outcome: Outcome,
    why: String,
}

fn fail(outcome: Outcome, why: impl Into<String>) -> Result<(), Failure> {
    Err(Failure {
        outcome,
        why: why.into(),
    })
}

/// One user's tokens.
struct User {
    id: String,
    valid: String,
    expired: String,
    forged: String,
}

/// A response, read whole.
struct Answer {
    status: u16,
    www_authenticate: Option<String>,
    session_id: Option<String>,
    body: String,
}

impl Answer {
    /// The JSON-RPC message: the body, or the first `data:` event of an SSE stream.
    fn message(&self) -> Option<Value> {
        let body = self.body.trim_start();
        if body.starts_with('{') {
            return serde_json::from_str(body).ok();
        }
        body.lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .map(str::trim)
            .find(|d| d.starts_with('{'))
            .and_then(|d| serde_json::from_str(d).ok())
    }

    /// The text of a tool result, when the call succeeded.
    fn tool_text(&self) -> Result<String, String> {
        let message = self.message().ok_or("no JSON-RPC message")?;
        let result = message.get("result").ok_or("no result")?;
        if result.get("isError") == Some(&Value::Bool(true)) {
            return Err("a tool error".to_owned());
        }
        result["content"][0]["text"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| "no text content".to_owned())
    }

    fn echoes(&self, token: Option<&str>) -> bool {
        token.is_some_and(|t| {
            self.body.contains(t)
                || self
                    .www_authenticate
                    .as_deref()
                    .is_some_and(|h| h.contains(t))
        })
    }
}

/// A short, printable excerpt of what the server answered (never a token:
/// anything that looks like a JWT is withheld).
fn excerpt(s: &str) -> String {
    if s.contains("eyJ") {
        return "<withheld: looks like a JWT>".to_owned();
    }
    let s: String = s.chars().take(60).collect();
    format!("{s:?}")
}

/// The auth-params of a `Bearer` challenge: `(name, value)` pairs.
fn challenge_params(header: &str) -> Option<Vec<(String, String)>> {
    let rest = header.strip_prefix("Bearer")?;
    let mut params = Vec::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ' ' || *c == ',') {
            chars.next();
        }
        if chars.peek().is_none() {
            return Some(params);
        }
        let mut name = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' {
                break;
            }
            name.push(c);
            chars.next();
        }
        chars.next()?; // '='
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '\\' => value.push(chars.next()?),
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' || c == ' ' {
                    break;
                }
                value.push(c);
                chars.next();
            }
        }
        params.push((name.trim().to_owned(), value));
    }
}

/// Outcomes that do not depend on the check: a 5xx, or a token echoed.
fn common(answer: &Answer, token: Option<&str>) -> Result<(), Failure> {
    if answer.status >= 500 {
        return fail(Outcome::ServerError, format!("HTTP {}", answer.status));
    }
    if answer.echoes(token) {
        return fail(Outcome::Wrong, "the token was echoed in the answer");
    }
    Ok(())
}

/// 200 with `want` as the tool's text.
fn expect_text(answer: &Answer, token: Option<&str>, want: &str) -> Result<(), Failure> {
    common(answer, token)?;
    match answer.status {
        200 => match answer.tool_text() {
            Ok(text) if text == want => Ok(()),
            Ok(text) => fail(
                Outcome::Wrong,
                format!("expected {want:?}, answered {}", excerpt(&text)),
            ),
            Err(why) => fail(Outcome::Wrong, format!("expected {want:?}: {why}")),
        },
        s @ (401 | 403 | 404) => fail(
            Outcome::Wrong,
            format!("expected {want:?}, refused: HTTP {s}"),
        ),
        s => fail(Outcome::Unexpected, format!("HTTP {s}")),
    }
}

/// 401 with a well-formed `Bearer` challenge whose `error` is `want`.
fn expect_challenge(
    answer: &Answer,
    token: Option<&str>,
    want: Option<&str>,
) -> Result<(), Failure> {
    common(answer, token)?;
    match answer.status {
        401 => {
            let Some(header) = answer.www_authenticate.as_deref() else {
                return fail(Outcome::Wrong, "401 without WWW-Authenticate");
            };
            let Some(params) = challenge_params(header) else {
                return fail(Outcome::Wrong, "WWW-Authenticate is not a Bearer challenge");
            };
            if !params.iter().any(|(n, _)| n == "resource_metadata") {
                return fail(Outcome::Wrong, "challenge without resource_metadata");
            }
            let error = params
                .iter()
                .find(|(n, _)| n == "error")
                .map(|(_, v)| v.as_str());
            if error == want {
                Ok(())
            } else {
                fail(
                    Outcome::Wrong,
                    format!("challenge error {error:?}, expected {want:?}"),
                )
            }
        }
        s @ (200 | 403 | 404) => fail(Outcome::Wrong, format!("expected 401, got HTTP {s}")),
        s => fail(Outcome::Unexpected, format!("HTTP {s}")),
    }
}

/// Exactly `want` (404 for another user's session, 202 for a notification or a DELETE).
fn expect_status(answer: &Answer, token: Option<&str>, want: u16) -> Result<(), Failure> {
    common(answer, token)?;
    match answer.status {
        s if s == want => Ok(()),
        s @ (200 | 202 | 401 | 403 | 404) => fail(
            Outcome::Wrong,
            format!("expected HTTP {want}, got HTTP {s}"),
        ),
        s => fail(Outcome::Unexpected, format!("HTTP {s}")),
    }
}

/// What every client shares.
struct Shared {
    http: reqwest::Client,
    url: String,
    mode: Mode,
    users: Arc<Vec<User>>,
    /// Set when the load starts (the warm-up runs before).
    deadline: OnceLock<Instant>,
    max_calls: u64,
    started: AtomicU64,
}

impl Shared {
    /// Whether another call may start (before the deadline, under the count).
    fn permit(&self) -> bool {
        self.deadline.get().is_some_and(|d| Instant::now() < *d)
            && self.started.fetch_add(1, Ordering::Relaxed) < self.max_calls
    }

    async fn send(
        &self,
        method: reqwest::Method,
        token: Option<&str>,
        session: Option<&str>,
        body: Option<&Value>,
    ) -> Result<Answer, Failure> {
        let mut request = self
            .http
            .request(method, &self.url)
            .header("accept", ACCEPT)
            .header("mcp-protocol-version", PROTOCOL);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(session) = session {
            request = request.header("mcp-session-id", session);
        }
        let transport = |e: reqwest::Error| Failure {
            outcome: Outcome::Transport,
            // reqwest's errors name the URL, never the headers
            why: format!("{}", e.without_url()),
        };
        let response = request.send().await.map_err(transport)?;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let status = response.status().as_u16();
        let www_authenticate = header("www-authenticate");
        let session_id = header("mcp-session-id");
        let body = response.text().await.map_err(transport)?;
        Ok(Answer {
            status,
            www_authenticate,
            session_id,
            body,
        })
    }

    async fn call(
        &self,
        id: u64,
        tool: &str,
        token: Option<&str>,
        session: Option<&str>,
    ) -> Result<Answer, Failure> {
        let body = json!({
            "jsonrpc": "2.0",
            "id": id,
            "method": "tools/call",
            "params": {"name": tool, "arguments": {}},
        });
        self.send(reqwest::Method::POST, token, session, Some(&body))
            .await
    }

    /// `initialize` then `notifications/initialized`: the new session's id.
    async fn initialize(&self, id: u64, token: Option<&str>) -> Result<String, Failure> {
        let body = json!({
            "jsonrpc": "2.0",
            "id": id,
            "method": "initialize",
            "params": {
                "protocolVersion": PROTOCOL,
                "capabilities": {},
                "clientInfo": {"name": "soak", "version": "1"},
            },
        });
        let answer = self
            .send(reqwest::Method::POST, token, None, Some(&body))
            .await?;
        common(&answer, token)?;
        if answer.status != 200 {
            let outcome = if matches!(answer.status, 401 | 403 | 404) {
                Outcome::Wrong
            } else {
                Outcome::Unexpected
            };
            return Err(Failure {
                outcome,
                why: format!("initialize: HTTP {}", answer.status),
            });
        }
        let version = answer
            .message()
            .and_then(|m| m["result"]["protocolVersion"].as_str().map(str::to_owned));
        let Some(session) = answer.session_id.clone().filter(|_| version.is_some()) else {
            return Err(Failure {
                outcome: Outcome::Wrong,
                why: "initialize: no session id or no result".to_owned(),
            });
        };
        let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
        let answer = self
            .send(
                reqwest::Method::POST,
                token,
                Some(&session),
                Some(&initialized),
            )
            .await?;
        expect_status(&answer, token, 202)?;
        Ok(session)
    }
}

/// splitmix64: a small, seeded, dependency-free generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One client: a user at a time (users `index`, `index + clients`, …), its
/// sessions in stateful mode, until the deadline or the call budget.
async fn client(shared: Arc<Shared>, index: usize, clients: usize) -> Stats {
    let mut stats = Stats::default();
    let mut rng = Rng(0x50A4 + index as u64);
    let users = shared.users.len();
    let mut user = index % users;
    let mut own: Option<String> = None;
    let mut anon: Option<String> = None;
    let mut id = 0u64;
    let stateful = shared.mode == Mode::Stateful;
    while shared.permit() {
        id += 1;
        let me = &shared.users[user];
        let started = Instant::now();
        if stateful && own.is_none() {
            let result = shared.initialize(id, Some(&me.valid)).await.map(|s| {
                own = Some(s);
            });
            if result.is_ok() {
                stats.sessions_created += 1;
            }
            stats.record(Kind::Initialize, started, result);
            continue;
        }
        let roll = rng.below(100);
        let kind = match roll {
            0..50 => Kind::Valid,
            50..60 => Kind::Expired,
            60..70 => Kind::Forged,
            70..80 => Kind::Anonymous,
            80..95 => Kind::Public,
            _ if stateful => Kind::Foreign,
            _ => Kind::Valid,
        };
        // anonymous calls (and half the public ones) go without a token, in
        // stateful mode in an anonymous session
        let anonymous = kind == Kind::Anonymous || (kind == Kind::Public && roll.is_multiple_of(2));
        if stateful && anonymous && anon.is_none() {
            let result = shared.initialize(id, None).await.map(|s| {
                anon = Some(s);
            });
            if result.is_ok() {
                stats.sessions_created += 1;
            }
            stats.record(Kind::Initialize, started, result);
            continue;
        }
        let session = if anonymous {
            anon.as_deref()
        } else {
            own.as_deref()
        };
        let result = match kind {
            Kind::Valid => {
                let token = Some(me.valid.as_str());
                match shared.call(id, "whoami", token, session).await {
                    Ok(a) => expect_text(&a, token, &me.id),
                    Err(e) => Err(e),
                }
            }
            Kind::Expired | Kind::Forged => {
                let token = if kind == Kind::Expired {
                    &me.expired
                } else {
                    &me.forged
                };
                match shared.call(id, "whoami", Some(token), session).await {
                    Ok(a) => expect_challenge(&a, Some(token), Some("invalid_token")),
                    Err(e) => Err(e),
                }
            }
            Kind::Anonymous => match shared.call(id, "whoami", None, session).await {
                Ok(a) => expect_challenge(&a, None, None),
                Err(e) => Err(e),
            },
            Kind::Public => {
                let token = (!anonymous).then_some(me.valid.as_str());
                match shared.call(id, "ping", token, session).await {
                    Ok(a) => expect_text(&a, token, "pong"),
                    Err(e) => Err(e),
                }
            }
            Kind::Foreign => {
                let other = &shared.users[(user + 1) % users];
                let token = Some(other.valid.as_str());
                match shared.call(id, "whoami", token, session).await {
                    Ok(a) => expect_status(&a, token, 404),
                    Err(e) => Err(e),
                }
            }
            Kind::Initialize | Kind::Delete => unreachable!("not drawn"),
        };
        stats.record(kind, started, result);

        // Churn: end a session now and then (DELETE or walk away), and move
        // on to the next user.
        if stateful && rng.below(40) == 0 {
            if let Some(session) = own.take() {
                if rng.below(2) == 0 && shared.permit() {
                    id += 1;
                    let started = Instant::now();
                    let token = Some(me.valid.as_str());
                    let result = match shared
                        .send(reqwest::Method::DELETE, token, Some(&session), None)
                        .await
                    {
                        Ok(a) => expect_status(&a, token, 202),
                        Err(e) => Err(e),
                    };
                    if result.is_ok() {
                        stats.sessions_deleted += 1;
                    }
                    stats.record(Kind::Delete, started, result);
                } else {
                    stats.sessions_abandoned += 1;
                }
            }
            user = (user + clients) % users;
        } else if !stateful && rng.below(40) == 0 {
            user = (user + clients) % users;
        }
        if stateful && anon.is_some() && rng.below(40) == 0 {
            anon = None;
            stats.sessions_abandoned += 1;
        }
    }
    // sessions still open at the end are left to the server, as a client
    // that exits would
    stats.sessions_abandoned += u64::from(own.is_some()) + u64::from(anon.is_some());
    stats
}

/// Settings, from the command line.
struct Args {
    server: PathBuf,
    modes: Vec<Mode>,
    clients: usize,
    duration: Duration,
    users: usize,
    max_calls: u64,
    sample: Duration,
    settle: Duration,
    json: bool,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        server: PathBuf::new(),
        modes: vec![Mode::Stateless, Mode::Stateful],
        clients: 32,
        duration: Duration::from_secs(30),
        users: 1000,
        max_calls: 2_000_000,
        sample: Duration::from_secs(1),
        settle: Duration::from_secs(3),
        json: false,
    };
    let mut it = std::env::args().skip(1);
    let mut server = None;
    while let Some(flag) = it.next() {
        if flag == "--json" {
            args.json = true;
            continue;
        }
        let Some(value) = it.next() else {
            anyhow::bail!("{flag} needs a value");
        };
        let secs =
            |v: &str| -> anyhow::Result<Duration> { Ok(Duration::from_secs_f64(v.parse()?)) };
        match flag.as_str() {
            "--server" => server = Some(PathBuf::from(value)),
            "--mode" => {
                args.modes = match value.as_str() {
                    "stateless" => vec![Mode::Stateless],
                    "stateful" => vec![Mode::Stateful],
                    "both" => vec![Mode::Stateless, Mode::Stateful],
                    other => anyhow::bail!("unknown mode {other:?} (stateless, stateful, both)"),
                }
            }
            "--clients" => args.clients = value.parse()?,
            "--duration" => args.duration = secs(&value)?,
            "--users" => args.users = value.parse()?,
            "--max-calls" => args.max_calls = value.parse()?,
            "--sample" => args.sample = secs(&value)?,
            "--settle" => args.settle = secs(&value)?,
            other => anyhow::bail!("unknown flag {other}"),
        }
    }
    args.server =
        server.ok_or_else(|| anyhow::anyhow!("--server <path to soak_server> is required"))?;
    anyhow::ensure!(args.clients >= 1, "--clients must be at least 1");
    anyhow::ensure!(
        args.users >= args.clients.max(2),
        "--users must be at least --clients (each client its own user) and at least 2"
    );
    anyhow::ensure!(
        args.duration.as_secs() <= MAX_DURATION_SECS,
        "--duration is at most {MAX_DURATION_SECS} s"
    );
    anyhow::ensure!(args.max_calls >= 1, "--max-calls must be at least 1");
    anyhow::ensure!(
        args.sample >= Duration::from_millis(100),
        "--sample is at least 0.1 s"
    );
    anyhow::ensure!(args.settle.as_secs() <= 600, "--settle is at most 600 s");
    Ok(args)
}

/// Another user's claims under this user's signature.
fn spliced(signed: &str, claims_from: &str) -> String {
    let mut a = signed.split('.');
    let mut b = claims_from.split('.');
    let (header, _, signature) = (a.next(), a.next(), a.next());
    let claims = b.nth(1);
    format!(
        "{}.{}.{}",
        header.unwrap_or_default(),
        claims.unwrap_or_default(),
        signature.unwrap_or_default()
    )
}

fn mint(issuer: &TestIssuer, users: usize, lifetime: Duration) -> Vec<User> {
    let ids: Vec<String> = (0..users).map(|i| format!("user_soak_{i:05}")).collect();
    let valid: Vec<String> = ids
        .iter()
        .map(|id| issuer.oauth_token(id).expires_in(lifetime).sign())
        .collect();
    ids.iter()
        .enumerate()
        .map(|(i, id)| {
            let forged = match i % 4 {
                0 => issuer
                    .oauth_token(id)
                    .expires_in(lifetime)
                    .signed_by_wrong_key()
                    .sign(),
                1 => issuer
                    .oauth_token(id)
                    .expires_in(lifetime)
                    .alg_none()
                    .sign(),
                2 => issuer
                    .oauth_token(id)
                    .expires_in(lifetime)
                    .hs256_with_public_key()
                    .sign(),
                _ => spliced(&valid[i], &valid[(i + 1) % users]),
            };
            User {
                id: id.clone(),
                valid: valid[i].clone(),
                expired: issuer.oauth_token(id).expired().sign(),
                forged,
            }
        })
        .collect()
}

/// The server's resident set size, in KiB (`VmRSS`), while it runs.
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

struct Sample {
    at: Duration,
    rss_kib: Option<u64>,
    calls: u64,
    idle: bool,
}

/// The server process; killed when dropped.
struct Server {
    child: Child,
    pid: u32,
    url: String,
}

async fn start_server(path: &PathBuf, mode: Mode, issuer: &str) -> anyhow::Result<Server> {
    let mut child = Command::new(path)
        .arg(mode.name())
        .arg(issuer)
        .arg("127.0.0.1:0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| anyhow::anyhow!("starting {}: {e}", path.display()))?;
    let pid = child
        .id()
        .ok_or_else(|| anyhow::anyhow!("soak_server exited at once"))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
    let mut lines = BufReader::new(stdout).lines();
    let ready = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await? {
            if let Some(addr) = line.strip_prefix("READY ") {
                return Ok::<_, std::io::Error>(Some(addr.trim().to_owned()));
            }
        }
        Ok(None)
    })
    .await;
    let addr = match ready {
        Ok(Ok(Some(addr))) => addr,
        Ok(Ok(None)) => anyhow::bail!("soak_server exited before READY"),
        Ok(Err(e)) => anyhow::bail!("reading soak_server's output: {e}"),
        Err(_) => anyhow::bail!("soak_server printed no READY line within 60 s"),
    };
    let parsed: std::net::SocketAddr = addr.parse()?;
    anyhow::ensure!(
        parsed.ip().is_loopback(),
        "soak_server is not on loopback: {addr}"
    );
    Ok(Server {
        child,
        pid,
        url: format!("http://{addr}/mcp"),
    })
}

/// The numbers of one mode's run.
struct Report {
    mode: Mode,
    pid: u32,
    /// RSS read the moment the last client finished.
    end_of_load: Option<u64>,
    stats: Stats,
    elapsed: Duration,
    samples: Vec<Sample>,
    server_died: bool,
    timed_out: bool,
}

impl Report {
    fn wrong(&self) -> u64 {
        self.stats.total().wrong
    }

    fn other_failures(&self) -> u64 {
        let t = self.stats.total();
        t.server_errors
            + t.unexpected
            + t.transport
            + u64::from(self.server_died)
            + u64::from(self.timed_out)
    }

    fn rss(&self) -> (Option<u64>, Option<u64>, Option<u64>, Option<u64>) {
        let load: Vec<u64> = self
            .samples
            .iter()
            .filter(|s| !s.idle)
            .filter_map(|s| s.rss_kib)
            .collect();
        let start = load.first().copied();
        let end = self.end_of_load.or(load.last().copied());
        let peak = self.samples.iter().filter_map(|s| s.rss_kib).max();
        let settled = self
            .samples
            .iter()
            .rev()
            .find(|s| s.idle)
            .and_then(|s| s.rss_kib);
        (start, peak, end, settled)
    }
}

fn mib(kib: Option<u64>) -> String {
    kib.map(|k| format!("{:.1} MiB", k as f64 / 1024.0))
        .unwrap_or_else(|| "n/a".to_owned())
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    f64::from(sorted[i]) / 1000.0
}

fn print_report(report: &Report, args: &Args) {
    let stats = &report.stats;
    let mode = report.mode;
    println!();
    println!(
        "{}: {:<9} {:>10} {:>10} {:>7} {:>6} {:>11} {:>10}",
        mode.name(),
        "kind",
        "calls",
        "ok",
        "wrong",
        "5xx",
        "unexpected",
        "transport"
    );
    let row = |name: &str, t: &Tally| {
        println!(
            "{:width$}  {name:<9} {:>10} {:>10} {:>7} {:>6} {:>11} {:>10}",
            "",
            t.calls,
            t.ok,
            t.wrong,
            t.server_errors,
            t.unexpected,
            t.transport,
            width = mode.name().len()
        );
    };
    for kind in KINDS.iter().filter(|k| k.in_mode(mode)) {
        row(kind.name(), &stats.kinds[kind.index()]);
    }
    let total = stats.total();
    row("total", &total);
    let secs = report.elapsed.as_secs_f64();
    let mut lat = stats.latencies_us.clone();
    lat.sort_unstable();
    println!(
        "calls/s {:.0} ({} calls in {:.1} s, {} clients)   latency p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
        total.calls as f64 / secs.max(1e-9),
        total.calls,
        secs,
        args.clients,
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        percentile(&lat, 1.0),
    );
    if mode == Mode::Stateful {
        println!(
            "sessions: {} created, {} deleted, {} abandoned (left to the server's idle timeout)",
            stats.sessions_created, stats.sessions_deleted, stats.sessions_abandoned
        );
    }
    // the RSS series: at most ~20 rows, the peak always shown
    let (start, peak, end, settled) = report.rss();
    let n = report.samples.len();
    let step = n.div_ceil(20).max(1);
    let peak_at = report
        .samples
        .iter()
        .position(|s| s.rss_kib.is_some() && s.rss_kib == peak);
    println!("server RSS (VmRSS of pid {}):", report.pid);
    println!("  {:>7}  {:>10}  {:>10}", "t (s)", "RSS MiB", "calls");
    for (i, s) in report.samples.iter().enumerate() {
        if i % step == 0 || i + 1 == n || Some(i) == peak_at {
            println!(
                "  {:>7.1}  {:>10}  {:>10}{}{}",
                s.at.as_secs_f64(),
                s.rss_kib
                    .map(|k| format!("{:.1}", k as f64 / 1024.0))
                    .unwrap_or_else(|| "n/a".to_owned()),
                s.calls,
                if s.idle { "  idle" } else { "" },
                if Some(i) == peak_at { "  peak" } else { "" },
            );
        }
    }
    println!(
        "RSS start {}, peak {}, end of load {}, after {:.0} s idle {}",
        mib(start),
        mib(peak),
        mib(end),
        args.settle.as_secs_f64(),
        mib(settled)
    );
    if report.server_died {
        println!("the server exited during the run");
    }
    if report.timed_out {
        println!("some clients did not finish in time and were stopped");
    }
    for f in &stats.failures {
        println!("  failure: {f}");
    }
    let verdict = if report.wrong() > 0 {
        format!("FAIL: {} wrong answers", report.wrong())
    } else if report.other_failures() > 0 {
        "no wrong answer, but 5xx / unexpected / transport failures".to_owned()
    } else {
        "PASS: every answer as expected".to_owned()
    };
    println!("{}: {verdict}", mode.name());
    if args.json {
        let kinds: serde_json::Map<String, Value> = KINDS
            .iter()
            .filter(|k| k.in_mode(mode))
            .map(|k| {
                let t = &stats.kinds[k.index()];
                (
                    k.name().to_owned(),
                    json!({"calls": t.calls, "ok": t.ok, "wrong": t.wrong,
                           "server_errors": t.server_errors, "unexpected": t.unexpected,
                           "transport": t.transport}),
                )
            })
            .collect();
        let line = json!({
            "mode": mode.name(),
            "kinds": kinds,
            "calls": total.calls,
            "wrong": total.wrong,
            "server_errors": total.server_errors,
            "unexpected": total.unexpected,
            "transport": total.transport,
            "server_died": report.server_died,
            "timed_out": report.timed_out,
            "calls_per_sec": total.calls as f64 / secs.max(1e-9),
            "sessions": {"created": stats.sessions_created, "deleted": stats.sessions_deleted,
                         "abandoned": stats.sessions_abandoned},
            "rss_kib": {"start": start, "peak": peak, "end": end, "settled": settled},
        });
        println!("SOAK_JSON {line}");
    }
}

async fn run_mode(
    args: &Args,
    mode: Mode,
    issuer: &TestIssuer,
    users: Arc<Vec<User>>,
) -> anyhow::Result<Report> {
    let mut server = start_server(&args.server, mode, issuer.issuer()).await?;
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(REQUEST_TIMEOUT)
        .build()?;
    let shared = Arc::new(Shared {
        http,
        url: server.url.clone(),
        mode,
        users,
        deadline: OnceLock::new(),
        max_calls: args.max_calls,
        started: AtomicU64::new(0),
    });

    // warm-up: the JWKS is fetched and one answer checked before the clock starts
    let first = &shared.users[0];
    let warm = async {
        let session = match mode {
            Mode::Stateful => Some(shared.initialize(0, Some(&first.valid)).await?),
            Mode::Stateless => None,
        };
        let answer = shared
            .call(1, "whoami", Some(&first.valid), session.as_deref())
            .await?;
        expect_text(&answer, Some(&first.valid), &first.id)
    };
    if let Err(e) = warm.await {
        anyhow::bail!("warm-up call failed ({:?}): {}", e.outcome, e.why);
    }
    println!(
        "soak {}: {} clients x {:.0} s (at most {} calls), {} users, server pid {}",
        mode.name(),
        args.clients,
        args.duration.as_secs_f64(),
        args.max_calls,
        shared.users.len(),
        server.pid
    );
    let _ = shared.deadline.set(Instant::now() + args.duration);

    let t0 = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let idle = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (stop, idle, shared) = (stop.clone(), idle.clone(), shared.clone());
        let (pid, every) = (server.pid, args.sample);
        // bounded: the load's duration plus the settle time, with margin
        let max_samples = ((args.duration + args.settle + REQUEST_TIMEOUT * 2).as_secs_f64()
            / every.as_secs_f64()) as usize
            + 10;
        tokio::spawn(async move {
            let mut samples = Vec::new();
            let mut tick = tokio::time::interval(every);
            while samples.len() < max_samples && !stop.load(Ordering::Relaxed) {
                tick.tick().await;
                samples.push(Sample {
                    at: t0.elapsed(),
                    rss_kib: rss_kib(pid),
                    calls: shared.started.load(Ordering::Relaxed).min(shared.max_calls),
                    idle: idle.load(Ordering::Relaxed),
                });
            }
            samples
        })
    };

    let tasks: Vec<_> = (0..args.clients)
        .map(|i| tokio::spawn(client(shared.clone(), i, args.clients)))
        .collect();
    let mut stats = Stats::default();
    let mut timed_out = false;
    let join_by = tokio::time::Instant::now() + args.duration + REQUEST_TIMEOUT * 3;
    for task in tasks {
        let abort = task.abort_handle();
        match tokio::time::timeout_at(join_by, task).await {
            Ok(Ok(s)) => stats.merge(s),
            Ok(Err(e)) => anyhow::bail!("a client task failed: {e}"),
            Err(_) => {
                abort.abort();
                timed_out = true;
            }
        }
    }
    let elapsed = t0.elapsed();
    let end_of_load = rss_kib(server.pid);
    idle.store(true, Ordering::Relaxed);
    tokio::time::sleep(args.settle).await;
    stop.store(true, Ordering::Relaxed);
    let samples = sampler.await?;
    let server_died = server.child.try_wait()?.is_some();
    let _ = server.child.start_kill();
    let _ = server.child.wait().await;
    Ok(Report {
        mode,
        pid: server.pid,
        end_of_load,
        stats,
        elapsed,
        samples,
        server_died,
        timed_out,
    })
}

async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let issuer = TestIssuer::start().await;
    let minting = Instant::now();
    let lifetime = args.duration + Duration::from_secs(3600);
    let users = {
        let n = args.users;
        // RSA signing is CPU work: off the async threads
        let issuer_ref = &issuer;
        Arc::new(tokio::task::block_in_place(|| {
            mint(issuer_ref, n, lifetime)
        }))
    };
    println!(
        "minted {} tokens for {} users in {:.1} s (never printed)",
        users.len() * 3,
        users.len(),
        minting.elapsed().as_secs_f64()
    );
    let mut code = 0u8;
    for mode in args.modes.clone() {
        let report = run_mode(&args, mode, &issuer, users.clone()).await?;
        print_report(&report, &args);
        if report.wrong() > 0 {
            code = 1;
        } else if report.other_failures() > 0 && code == 0 {
            code = 2;
        }
    }
    Ok(ExitCode::from(code))
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("soak: {e}");
            return ExitCode::from(64);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("soak: {e}");
            return ExitCode::from(70);
        }
    };
    match runtime.block_on(run(args)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("soak: {e:#}");
            ExitCode::from(70)
        }
    }
}
