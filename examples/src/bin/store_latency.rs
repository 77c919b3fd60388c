//! Measures what the Redis session store adds to a stateful call: `whoami`
//! in a live session over loopback (one keep-alive connection, one call at a
//! time), on three servers in this process: sessions in memory (`memory`),
//! the Redis store with its owner cache (`redis`, the default 1 s), and the
//! Redis store asking Redis on every request (`redis-nocache`: the round
//! trip itself). Rounds alternate between the servers so that drift on a
//! shared machine hits all three alike; p50 and p99 per server are printed.
//!
//! `store_latency [calls per round] [rounds]` (default 2000 × 5) with a
//! `redis-server` it starts itself on an ephemeral port (`--save ''
//! --appendonly no`, killed at the end), or the one `MCP_CLERK_REDIS_URL`
//! names. Build with `--release` for numbers worth quoting.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mcp_clerk::prelude::*;
use mcp_clerk::testing::{ACCEPT, TestIssuer, message};
use mcp_clerk::{McpServer, RedisSessionStore, SessionMode};
use serde_json::{Value, json};

/// Answers the caller's own user id.
#[tool(auth = required)]
async fn whoami(user: ClerkUser) -> String {
    user.id().to_owned()
}

struct Redis(Child);

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_redis() -> anyhow::Result<(Option<Redis>, String)> {
    if let Ok(url) = std::env::var("MCP_CLERK_REDIS_URL") {
        return Ok((None, url));
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let redis = Redis(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        anyhow::ensure!(Instant::now() < deadline, "redis-server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok((Some(redis), format!("redis://127.0.0.1:{port}/")))
}

async fn serve(issuer: &TestIssuer, store: Option<RedisSessionStore>) -> anyhow::Result<String> {
    let mut server = McpServer::new("latency", "1")
        .clerk(issuer.config())
        .session_mode(SessionMode::Stateful);
    if let Some(store) = store {
        server = server.session_store(store);
    }
    let bound = server.tools(tools![whoami]).bind("127.0.0.1:0").await?;
    let url = format!("http://{}/mcp", bound.local_addr());
    tokio::spawn(bound.run());
    Ok(url)
}

fn post(client: &reqwest::Client, url: &str, token: &str, body: &Value) -> reqwest::RequestBuilder {
    client
        .post(url)
        .header("content-type", "application/json")
        .header("accept", ACCEPT)
        .header("mcp-protocol-version", "2025-11-25")
        .bearer_auth(token)
        .json(body)
}

async fn open(client: &reqwest::Client, url: &str, token: &str) -> anyhow::Result<String> {
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "store_latency", "version": "0"}}});
    let r = post(client, url, token, &init).send().await?;
    anyhow::ensure!(r.status() == 200, "initialize: {}", r.status());
    let id = r.headers()["mcp-session-id"].to_str()?.to_owned();
    let _ = r.text().await;
    let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    post(client, url, token, &note)
        .header("mcp-session-id", &id)
        .send()
        .await?;
    Ok(id)
}

/// `n` checked calls; the latency of each, in microseconds.
async fn round(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    id: &str,
    n: usize,
) -> anyhow::Result<Vec<u64>> {
    let body = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                      "params": {"name": "whoami", "arguments": {}}});
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let started = Instant::now();
        let r = post(client, url, token, &body)
            .header("mcp-session-id", id)
            .send()
            .await?;
        anyhow::ensure!(r.status() == 200, "call: {}", r.status());
        let answer = message(r).await?;
        out.push(u64::try_from(started.elapsed().as_micros())?);
        anyhow::ensure!(
            answer["result"]["content"][0]["text"] == "user_latency",
            "wrong answer: {answer}"
        );
    }
    Ok(out)
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let calls: usize = args.next().map_or(Ok(2000), |a| a.parse())?;
    let rounds: usize = args.next().map_or(Ok(5), |a| a.parse())?;
    let (_redis, redis_url) = start_redis()?;
    let issuer = TestIssuer::start().await;
    let servers = [
        ("memory", serve(&issuer, None).await?),
        (
            "redis",
            serve(&issuer, Some(RedisSessionStore::new(&redis_url)?)).await?,
        ),
        (
            "redis-nocache",
            serve(
                &issuer,
                Some(RedisSessionStore::new(&redis_url)?.owner_cache(Duration::ZERO)),
            )
            .await?,
        ),
    ];
    let token = issuer.oauth_token("user_latency").sign();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    let mut sessions = Vec::new();
    for (name, url) in &servers {
        let id = open(&client, url, &token).await?;
        round(&client, url, &token, &id, 200).await?; // warm-up
        sessions.push((*name, url.clone(), id, Vec::new()));
    }
    for r in 0..rounds {
        // rotate the order every round
        for k in 0..sessions.len() {
            let i = (k + r) % sessions.len();
            let (_, url, id, samples) = &mut sessions[i];
            let got = round(&client, url, &token, id, calls).await?;
            samples.extend(got);
        }
    }
    println!("server          calls   p50 µs   p99 µs");
    for (name, _, _, mut samples) in sessions {
        samples.sort_unstable();
        println!(
            "{name:<14} {:>6} {:>8} {:>8}",
            samples.len(),
            percentile(&samples, 0.50),
            percentile(&samples, 0.99)
        );
    }
    Ok(())
}
