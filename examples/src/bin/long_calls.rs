//! `cargo run -p mcp-clerk-examples --bin long_calls`
//!
//! Serves a slow public `work` tool on `MCP_ADDR` (default `127.0.0.1:3000`)
//! until SIGTERM or Ctrl-C, then drains: `/readyz` answers 503, calls in
//! flight finish, and the process exits 0. Try it: start a call of
//! `work(seconds = 10)` and send SIGTERM.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    mcp_clerk_examples::init_logging();
    let bound = mcp_clerk_examples::long_calls::server()?
        .bind(mcp_clerk_examples::listen_addr())
        .await?;
    println!("MCP endpoint   http://{}/mcp", bound.local_addr());
    bound.run().await?;
    Ok(())
}
