//! `cargo run -p mcp-clerk-examples --bin dev_clerk`: the local Clerk
//! emulator on its own, for pointing an existing mcp-clerk server at it
//! (`CLERK_FRONTEND_API_URL=http://127.0.0.1:3001`). Configured by the
//! `MCP_CLERK_DEV_*` variables (see `mcp_clerk::dev::DevClerk::from_env`),
//! e.g. `MCP_CLERK_DEV_CONFIG=examples/dev/clerk-dev.json`.

use mcp_clerk::dev::DevClerk;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_env_filter("info").init();
    let mut dev = DevClerk::from_env()?;
    if std::env::var_os("MCP_CLERK_DEV_ADDR").is_none() {
        dev = dev.bind(([127, 0, 0, 1], 3001).into());
    }
    let clerk = dev.start().await?;
    println!("issuer (CLERK_FRONTEND_API_URL): {}", clerk.issuer());
    println!("JWKS:                            {}", clerk.jwks_url());
    println!(
        "Backend API:                     {} (secret key {})",
        clerk.backend_api_url(),
        clerk.secret_key()
    );
    let directory = clerk.directory();
    for user in &directory.users {
        let mut token = clerk.token(user.id.clone());
        if let Some(m) = directory.memberships(&user.id).first() {
            token = token.org(m.organization.id.clone());
        }
        println!(
            "\n{} ({}):\n  {}",
            user.display_name(),
            user.id,
            token.mint()?
        );
    }
    mcp_clerk::shutdown_signal().await;
    clerk.shutdown().await;
    Ok(())
}
