//! Adding MCP to an existing axum app: `McpServer::into_router()` gives a
//! router (the MCP endpoint plus its OAuth discovery documents) that merges
//! into your own, so one listener serves both.

use axum::Json;
use axum::Router;
use axum::routing::get;
use mcp_clerk::McpServer;
use mcp_clerk::prelude::*;

use crate::{Clerk, Running};

/// Counts the caller's notes (a stand-in for your own data access).
#[tool(auth = required, annotations(read_only))]
pub async fn count_notes(user: ClerkUser) -> String {
    format!("{} has {} notes", user.id(), user.id().len())
}

/// The app's health document.
#[derive(Debug, serde::Serialize)]
pub struct Health {
    /// Always `ok`.
    pub status: &'static str,
}

/// The app's own routes, unchanged by MCP.
pub fn app_routes() -> Router {
    Router::new()
        .route("/", get(|| async { "my existing app" }))
        .route("/health", get(|| async { Json(Health { status: "ok" }) }))
}

/// Your app with MCP merged in at `/mcp`.
pub fn router(config: mcp_clerk::ClerkConfig) -> anyhow::Result<Router> {
    let mcp = McpServer::new("notes", env!("CARGO_PKG_VERSION"))
        .clerk(config)
        .tools(tools![count_notes])
        .into_router()?;
    Ok(app_routes().merge(mcp))
}

/// Starts the merged app on `addr`.
pub async fn start(addr: &str, clerk: Clerk) -> anyhow::Result<Running> {
    let config = clerk.config(&["email", "profile"])?;
    Running::serve_router(router(config)?, addr, clerk).await
}
