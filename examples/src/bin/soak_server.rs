//! The server behind `bash bench/soak.sh`, started by the `soak` client as a
//! separate process: a protected `whoami` tool (answers the caller's user id)
//! and a public `ping` tool, trusting the issuer whose URL it is given (the
//! soak client runs that issuer, so it can mint valid, expired and forged
//! tokens for many users).
//!
//! `soak_server <stateless|stateful> <issuer-url> [addr]` prints one line
//! `READY <addr>` and serves until killed (SIGTERM drains). `addr` defaults to
//! `127.0.0.1:0`, and only loopback addresses are accepted. `WORKERS=n` sets
//! the tokio worker threads. As a replica behind a balancer
//! (`examples/tests/nginx_replicas.rs`) it reads `MCP_CLERK_RESOURCE_URL`
//! (the balancer's public URL), the limits (`ServeLimits::from_env`), the
//! drain (`MCP_CLERK_DRAIN_DELAY`, `MCP_CLERK_DRAIN_DEADLINE`) and the
//! session limits (`SessionLimits::from_env`: `MCP_CLERK_MAX_SESSIONS`, …).
//! Stateful replicas share their sessions through Redis when
//! `MCP_CLERK_REDIS_URL` is set (`RedisSessionStore::from_env`).

use std::net::SocketAddr;

use mcp_clerk::prelude::*;
use mcp_clerk::{
    ClerkConfig, Drain, McpServer, RedisSessionStore, ServeLimits, SessionLimits, SessionMode,
};

/// Answers the caller's own user id (a signed-in caller is required).
#[tool(auth = required)]
async fn whoami(user: ClerkUser) -> String {
    user.id().to_owned()
}

/// Answers `pong`, to anyone.
#[tool]
async fn ping() -> &'static str {
    "pong"
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = std::env::var("WORKERS").ok().and_then(|w| w.parse().ok()) {
        builder.worker_threads(n);
    }
    Ok(builder.enable_all().build()?)
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: soak_server <stateless|stateful> <issuer-url> [addr]";
    let mode = match args.next().as_deref() {
        Some("stateless") => SessionMode::Stateless,
        Some("stateful") => SessionMode::Stateful,
        _ => anyhow::bail!("{usage}"),
    };
    let Some(issuer) = args.next() else {
        anyhow::bail!("{usage}");
    };
    let addr: SocketAddr = args
        .next()
        .unwrap_or_else(|| "127.0.0.1:0".to_owned())
        .parse()?;
    anyhow::ensure!(addr.ip().is_loopback(), "soak_server binds loopback only");
    let mut config = ClerkConfig::builder().issuer(issuer);
    if let Ok(url) = std::env::var("MCP_CLERK_RESOURCE_URL") {
        config = config.resource_url(url);
    }
    let config = config.build()?;
    let limits = ServeLimits::from_env()?;
    let drain = Drain::from_env()?;
    let store = RedisSessionStore::from_env()?;
    runtime()?.block_on(async move {
        let mut server = McpServer::new("soak", "1")
            .clerk(config)
            .session_mode(mode)
            .session_limits(SessionLimits::from_env()?);
        if let Some(store) = store {
            server = server.session_store(store);
        }
        let bound = server
            .tools(tools![whoami, ping])
            .serve_limits(limits)
            .drain(drain)
            .bind(addr)
            .await?;
        println!("READY {}", bound.local_addr());
        bound.run().await?;
        Ok(())
    })
}
