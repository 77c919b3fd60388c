//! The server behind `bash bench/load.sh` and `bash bench/instructions.sh`:
//! one `echo` tool, served either with Clerk auth (`auth`: the tool requires
//! a signed-in user, tokens from a local testing issuer with a real RSA key
//! and JWKS) or with auth switched off (`off`: the same tool, public, no
//! Clerk config, no gate checks beyond Host/Origin), or with opaque tokens
//! (`opaque`: the same as `auth`, but the token is an `oat_…` issued by the
//! local Clerk emulator and verified through its Backend API, then cached for
//! `MCP_CLERK_OPAQUE_TOKEN_TTL`, default 60 s, as in production).
//!
//! `load_server <auth|opaque|off> [addr]` prints one line
//! `READY <addr> <token or ->` and serves until killed. `WORKERS=n` sets the
//! tokio worker threads; `SSE=1` answers with a one-event SSE stream instead
//! of JSON (the framing that suffers without TCP_NODELAY).

use std::time::Duration;

use mcp_clerk::McpServer;
use mcp_clerk::dev::{DevClerk, DevTokenFormat};
use mcp_clerk::policy::{Requirement, ToolPolicy};
use mcp_clerk::prelude::*;
use mcp_clerk::testing::TestIssuer;

/// Echoes `message`, prefixed with the caller's id when there is one.
#[tool(auth = optional)]
async fn echo(user: Option<ClerkUser>, message: String) -> String {
    match user {
        Some(user) => format!("{}: {message}", user.id()),
        None => message,
    }
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
    let mode = args.next().unwrap_or_else(|| "auth".to_owned());
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:0".to_owned());
    runtime()?.block_on(async move {
        let required = || {
            tools![echo]
                .into_iter()
                .map(|t| t.with_policy(ToolPolicy::new().auth(Requirement::Required)))
        };
        // Kept alive for as long as the server runs.
        let mut _issuer = None;
        let mut _clerk = None;
        let (server, token) = match mode.as_str() {
            "auth" => {
                let issuer = TestIssuer::start().await;
                let token = issuer
                    .oauth_token("user_load")
                    .expires_in(Duration::from_secs(3 * 3600))
                    .sign();
                let server = McpServer::new("load", "1")
                    .clerk(issuer.config())
                    .tools(required());
                _issuer = Some(issuer);
                (server, token)
            }
            "opaque" => {
                let clerk = DevClerk::new()
                    .token_format(DevTokenFormat::Opaque)
                    .start()
                    .await?;
                let token = clerk
                    .token("user_alice")
                    .ttl(Duration::from_secs(3 * 3600))
                    .mint()?;
                let server = McpServer::new("load", "1")
                    .clerk(clerk.config_builder().build()?)
                    .tools(required());
                _clerk = Some(clerk);
                (server, token)
            }
            "off" => {
                let tools = tools![echo]
                    .into_iter()
                    .map(|t| t.with_policy(ToolPolicy::new()));
                (McpServer::new("load", "1").tools(tools), "-".to_owned())
            }
            other => anyhow::bail!("unknown mode `{other}` (use auth, opaque or off)"),
        };
        let sse = std::env::var("SSE").is_ok_and(|v| v == "1");
        let bound = server.json_response(!sse).bind(addr.as_str()).await?;
        println!("READY {} {token}", bound.local_addr());
        bound.run().await?;
        Ok(())
    })
}
