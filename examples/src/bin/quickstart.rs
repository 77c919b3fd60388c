//! `cargo run -p mcp-clerk-examples --bin quickstart`
//!
//! Serves the quickstart tools on `MCP_ADDR` (default `127.0.0.1:3000`). With
//! no Clerk settings it starts the local Clerk emulator on
//! `MCP_CLERK_DEV_ADDR` (default `127.0.0.1:3001`, a fixed port so the issuer
//! stays the same across restarts) and prints a ready token.

use mcp_clerk_examples::{Clerk, quickstart};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    mcp_clerk_examples::init_logging();
    let addr = mcp_clerk_examples::listen_addr();
    let clerk = Clerk::from_env_with_dev_addr(Some(([127, 0, 0, 1], 3001).into())).await?;
    let running = quickstart::start(&addr, clerk).await?;
    let token = quickstart::dev_token(&running)?;
    println!("{}", quickstart::instructions(&running, token.as_deref()));
    running.wait_for_shutdown().await
}
