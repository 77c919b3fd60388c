//! `cargo run -p mcp-clerk-examples --bin clerk_user_data`: Clerk's
//! `get-clerk-user-data` tool, reading the caller from the Clerk Backend API.
//! With real Clerk settings it needs `CLERK_SECRET_KEY`; on the emulator it
//! prints a token to call the tool with.

use mcp_clerk_examples::{Clerk, clerk_user_data};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    mcp_clerk_examples::init_logging();
    let addr = mcp_clerk_examples::listen_addr();
    let running = clerk_user_data::start(&addr, Clerk::from_env().await?).await?;
    println!("MCP at {}", running.mcp_url);
    if let Some(dev) = running.clerk.dev_server() {
        let token = dev.token("user_alice").mint()?;
        println!("\ntoken for user_alice:\n  {token}\n");
    }
    running.wait_for_shutdown().await
}
