//! `cargo run -p mcp-clerk-examples --bin axum_app`: an existing axum app
//! (`/`, `/health`) with an MCP endpoint merged in at `/mcp`.

use mcp_clerk_examples::{Clerk, axum_app};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    mcp_clerk_examples::init_logging();
    let addr = mcp_clerk_examples::listen_addr();
    let running = axum_app::start(&addr, Clerk::from_env().await?).await?;
    println!(
        "app at {}/ and MCP at {}",
        running.base_url, running.mcp_url
    );
    running.wait_for_shutdown().await
}
