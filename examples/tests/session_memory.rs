//! 10,000 abandoned anonymous sessions against the stateful `soak_server`
//! binary (default session limits) leave its memory within the bound README
//! documents, and a signed-in user can still open a session and call a tool.
//!
//! Without the limits each session (≈50 KB) lived 300 s: 10,000 took the
//! server from 10 to ≈490 MB.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use mcp_clerk::testing::{ACCEPT, TestIssuer, message};
use serde_json::{Value, json};

mod support;

use support::{Kill, rss_kib};

/// The documented bound on the server's resident memory after the flood.
const RSS_BOUND_MIB: u64 = 96;
const SESSIONS: usize = 10_000;
const CONCURRENCY: usize = 16;

/// POSTs `body` (2025-11-25), in `session` and as `token` when given.
async fn post(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    session: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    let mut request = client
        .post(url)
        .header("content-type", "application/json")
        .header("accept", ACCEPT)
        .header("mcp-protocol-version", "2025-11-25")
        .json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(session) = session {
        request = request.header("mcp-session-id", session);
    }
    request.send().await.expect("request")
}

/// Initializes a session and returns its id.
async fn initialize(client: &reqwest::Client, url: &str, token: Option<&str>) -> String {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "flood", "version": "0"}}});
    let response = post(client, url, token, None, &body).await;
    assert_eq!(response.status(), 200, "initialize");
    let id = response.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let _ = response.bytes().await;
    id
}

fn server_rss_kib(pid: u32) -> u64 {
    rss_kib(pid).expect("the server's VmRSS")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_abandoned_anonymous_sessions_stay_within_the_bound() {
    let issuer = TestIssuer::start().await;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_soak_server"));
    cmd.args(["stateful", issuer.issuer()])
        .env("WORKERS", "2")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for (name, _) in std::env::vars() {
        if name.starts_with("MCP_CLERK_") || name.starts_with("CLERK_") {
            cmd.env_remove(name);
        }
    }
    let mut server = Kill(cmd.spawn().expect("spawn soak_server"));
    let pid = server.0.id();
    let mut stdout = BufReader::new(server.0.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).expect("READY line");
    let addr = line.trim().strip_prefix("READY ").expect("READY <addr>");
    let url = format!("http://{addr}/mcp");
    let before = server_rss_kib(pid);
    let client = reqwest::Client::builder().no_proxy().build().unwrap();

    let done = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let (url, done, client) = (url.clone(), done.clone(), client.clone());
            tokio::spawn(async move {
                while done.fetch_add(1, Ordering::Relaxed) < SESSIONS {
                    // abandoned at once: never used, never deleted
                    initialize(&client, &url, None).await;
                }
            })
        })
        .collect();
    for w in workers {
        w.await.expect("worker");
    }
    // Evicted sessions are closed in the background: let that finish.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = server_rss_kib(pid);
    eprintln!(
        "soak_server RSS: {} KiB before, {} KiB after {SESSIONS} anonymous sessions",
        before, after
    );
    assert!(
        after < RSS_BOUND_MIB * 1024,
        "RSS {after} KiB after {SESSIONS} sessions exceeds {RSS_BOUND_MIB} MiB"
    );

    let token = issuer.oauth_token("user_late").sign();
    let session = initialize(&client, &url, Some(&token)).await;
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let r = post(&client, &url, Some(&token), Some(&session), &initialized).await;
    assert_eq!(r.status(), 202);
    let call = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "whoami", "arguments": {}}});
    let r = post(&client, &url, Some(&token), Some(&session), &call).await;
    assert_eq!(r.status(), 200);
    let answer = message(r).await.expect("a JSON-RPC answer");
    assert_eq!(answer["result"]["content"][0]["text"], "user_late");
}
