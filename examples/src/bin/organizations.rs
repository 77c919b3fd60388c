//! `cargo run -p mcp-clerk-examples --bin organizations`: tools gated by
//! organization, role and permission. On the emulator it prints a session
//! token for an admin and one for a member to compare.

use mcp_clerk_examples::{Clerk, organizations};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    mcp_clerk_examples::init_logging();
    let addr = mcp_clerk_examples::listen_addr();
    let running = organizations::start(&addr, Clerk::from_env().await?).await?;
    println!("MCP at {}", running.mcp_url);
    if let Some(dev) = running.clerk.dev_server() {
        let admin = dev.token("user_alice").org("org_acme").session().mint()?;
        let member = dev.token("user_bob").org("org_acme").session().mint()?;
        println!("\nadmin of org_acme (session token):\n  {admin}\n");
        println!("member of org_acme (session token):\n  {member}\n");
    }
    running.wait_for_shutdown().await
}
