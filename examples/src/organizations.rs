//! Organizations, roles and permissions.
//!
//! - `org = required` gives the tool a [`ClerkOrg`]; an OAuth caller without
//!   an active organization gets 403 `insufficient_scope` with
//!   `scope="user:org:read"`, so the client re-authorizes and the user picks one.
//! - `permission = "..."` / `role = "..."` are checked against the caller's
//!   membership; a caller who lacks them gets a tool error (re-authorizing
//!   would not help) and does not see the tool in `tools/list`.
//!
//! Clerk's OAuth access tokens carry only `org_id`, not the role or
//! permissions; session tokens (your own frontend's) carry both. This example
//! accepts both kinds so the permission tools can be tried with a session
//! token minted by the emulator.

use mcp_clerk::McpServer;
use mcp_clerk::TokenKind;
use mcp_clerk::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{Clerk, Running};

/// The caller's organization, as the token tells it.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[schemars(crate = "mcp_clerk::schemars")]
pub struct OrgView {
    /// `org_…`
    pub id: String,
    /// The slug, when the token carries it.
    pub slug: Option<String>,
    /// The caller's role (`org:admin`), when known.
    pub role: Option<String>,
    /// The caller's permissions, when known.
    pub permissions: Vec<String>,
    /// `false` for OAuth tokens, which carry only `org_id`.
    pub permissions_known: bool,
}

/// Which organization am I acting in, and with which role?
#[tool(org = required, annotations(read_only))]
pub async fn my_organization(org: ClerkOrg) -> Json<OrgView> {
    Json(OrgView {
        id: org.id().to_owned(),
        slug: org.slug().map(str::to_owned),
        role: org.role().map(str::to_owned),
        permissions: org.permissions().to_vec(),
        permissions_known: org.permissions_known(),
    })
}

/// List the organization's projects (needs `org:projects:read`).
#[tool(org = required, permission = "org:projects:read", annotations(read_only))]
pub async fn list_projects(org: ClerkOrg) -> Json<Vec<String>> {
    Json(vec![
        format!("{}/website", org.id()),
        format!("{}/mobile-app", org.id()),
    ])
}

/// Archive a project (admins only).
#[tool(org = required, role = "admin")]
pub async fn archive_project(org: ClerkOrg, project: String) -> Result<String, ToolError> {
    if !project.starts_with(org.id()) {
        return Err(ToolError::not_found("no such project in this organization"));
    }
    Ok(format!("archived {project}"))
}

/// The organizations example server with `config`.
pub fn server(config: mcp_clerk::ClerkConfig) -> McpServer {
    McpServer::new("mcp-clerk-organizations", env!("CARGO_PKG_VERSION"))
        .clerk(config)
        .tools(tools![my_organization, list_projects, archive_project])
}

/// The scopes the example advertises (`MCP_CLERK_SCOPES` wins with real Clerk).
pub const SCOPES: &[&str] = &["email", "profile", "user:org:read"];

/// Starts the example on `addr`. On the emulator it accepts OAuth and
/// session tokens; with real Clerk it uses the environment's settings
/// (`MCP_CLERK_ACCEPT=oauth,session` to do the same).
pub async fn start(addr: &str, clerk: Clerk) -> anyhow::Result<Running> {
    let config = match &clerk {
        Clerk::Real(real) => real.config(SCOPES)?,
        Clerk::Dev(dev) => dev
            .config_builder()
            .scopes(SCOPES.iter().copied())
            .accept([TokenKind::OAuth, TokenKind::Session])
            .build()?,
    };
    Running::serve(server(config), addr, clerk).await
}
