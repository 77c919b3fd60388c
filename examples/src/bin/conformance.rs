//! `cargo run -p mcp-clerk-examples --bin conformance`
//!
//! Serves the conformance suite's fixture on `MCP_ADDR` (default
//! `127.0.0.1:3000`) with auth switched off, until SIGTERM or Ctrl-C. Then:
//! `npx @modelcontextprotocol/conformance server --url http://127.0.0.1:3000/mcp`.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    mcp_clerk_examples::init_logging();
    let bound = mcp_clerk_examples::conformance::server()
        .bind(mcp_clerk_examples::listen_addr())
        .await?;
    println!("MCP endpoint   http://{}/mcp", bound.local_addr());
    bound.run().await?;
    Ok(())
}
