//! `cargo run -p mcp-clerk-examples --bin axum_app`: an existing axum app
//! (`/`, `/health`) with an MCP endpoint merged in at `/mcp`.

use mcp_clerk_examples::{Clerk, axum_app};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter("info,rmcp=warn")
        .init();
    let addr = std::env::var("MCP_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let running = axum_app::start(&addr, Clerk::from_env().await?).await?;
    println!(
        "app at {}/ and MCP at {}",
        running.base_url, running.mcp_url
    );
    running.wait_for_shutdown().await
}
