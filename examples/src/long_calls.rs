//! A tool that takes a while, served with `McpServer::serve`'s limits and
//! drain: what a rolling deploy (SIGTERM) does to calls in flight.
//!
//! `work` is public so the example needs no Clerk instance; the drain is the
//! same for protected tools.

use std::time::Duration;

use mcp_clerk::prelude::*;
use mcp_clerk::{Drain, McpServer, ServeLimits};

/// The longest `work` call.
pub const MAX_SECONDS: f64 = 60.0;

/// Works for `seconds` (at most 60), then says how long it worked.
#[tool(annotations(read_only, idempotent))]
pub async fn work(#[arg(description = "how long to work, in seconds")] seconds: f64) -> String {
    let seconds = if seconds.is_finite() {
        seconds.clamp(0.0, MAX_SECONDS)
    } else {
        0.0
    };
    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
    format!("worked {seconds} s")
}

/// The server, with limits and drain from the environment
/// (`MCP_CLERK_HEADER_TIMEOUT`, `MCP_CLERK_DRAIN_DELAY`, …).
pub fn server() -> anyhow::Result<McpServer> {
    Ok(
        McpServer::new("mcp-clerk-long-calls", env!("CARGO_PKG_VERSION"))
            .tools(tools![work])
            .serve_limits(ServeLimits::from_env()?)
            .drain(Drain::from_env()?),
    )
}
