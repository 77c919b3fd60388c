//! The quickstart: three tools, one per access level.
//!
//! - `whoami` needs a signed-in user;
//! - `create_project` needs an active organization and the
//!   `org:projects:create` permission;
//! - `ping` is public.
//!
//! With no Clerk settings in the environment, [`start`] also starts the local
//! Clerk emulator (`mcp_clerk::dev`) and mints a bearer token for its first
//! dev user, so everything works offline.

use mcp_clerk::McpServer;
use mcp_clerk::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{Clerk, Running};

/// The scopes the quickstart advertises. `user:org:read` lets the user pick
/// an organization on Clerk's consent screen, so `org_id` is in the token.
pub const SCOPES: &[&str] = &["email", "profile", "user:org:read"];

/// What `whoami` returns.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[schemars(crate = "mcp_clerk::schemars")]
pub struct Profile {
    /// The Clerk user id (`user_…`).
    pub user_id: String,
    /// The OAuth client that obtained the token.
    pub client_id: Option<String>,
    /// The scopes granted to the token.
    pub scopes: Vec<String>,
    /// The active organization, when the token names one.
    pub org_id: Option<String>,
}

/// Who am I? Returns the verified Clerk user behind the access token.
#[tool(auth = required, org = optional, annotations(read_only))]
pub async fn whoami(user: ClerkUser, org: Option<ClerkOrg>) -> Json<Profile> {
    Json(Profile {
        user_id: user.id().to_owned(),
        client_id: user.client_id().map(str::to_owned),
        scopes: user.scopes().to_vec(),
        org_id: org.map(|o| o.id().to_owned()),
    })
}

/// A created project.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[schemars(crate = "mcp_clerk::schemars")]
pub struct Project {
    /// The project's name.
    pub name: String,
    /// The organization that owns it.
    pub org_id: String,
    /// Who created it.
    pub created_by: String,
}

/// Create a project in the caller's active organization.
#[tool(org = required, permission = "org:projects:create")]
pub async fn create_project(
    user: ClerkUser,
    org: ClerkOrg,
    name: String,
) -> Result<Json<Project>, ToolError> {
    let name = name.trim();
    if name.is_empty() || name.len() > 100 {
        return Err(ToolError::invalid_input("name must be 1 to 100 characters"));
    }
    Ok(Json(Project {
        name: name.to_owned(),
        org_id: org.id().to_owned(),
        created_by: user.id().to_owned(),
    }))
}

/// Is the server alive? Anyone may call it.
#[tool(annotations(read_only))]
pub async fn ping() -> &'static str {
    "pong"
}

/// The quickstart server with `config` (without binding it).
pub fn server(config: mcp_clerk::ClerkConfig) -> McpServer {
    McpServer::new("mcp-clerk-quickstart", env!("CARGO_PKG_VERSION"))
        .instructions("Try `whoami`, then `create_project` in an organization where you hold org:projects:create.")
        .clerk(config)
        .tools(tools![whoami, create_project, ping])
}

/// Starts the quickstart on `addr` trusting `clerk`.
/// Connection limits and the drain come from the environment
/// (`MCP_CLERK_IDLE_TIMEOUT`, `MCP_CLERK_DRAIN_DELAY`, …; see `ServeLimits`
/// and `Drain`).
pub async fn start(addr: &str, clerk: Clerk) -> anyhow::Result<Running> {
    let config = clerk.config(SCOPES)?;
    let server = server(config)
        .serve_limits(mcp_clerk::ServeLimits::from_env()?)
        .drain(mcp_clerk::Drain::from_env()?);
    Running::serve(server, addr, clerk).await
}

/// A bearer token for the emulator's first user (in their first
/// organization), when the server runs on the emulator.
pub fn dev_token(running: &Running) -> anyhow::Result<Option<String>> {
    let Some(dev) = running.clerk.dev_server() else {
        return Ok(None);
    };
    let directory = dev.directory();
    let Some(user) = directory.users.first() else {
        return Ok(None);
    };
    let mut token = dev.token(user.id.clone());
    if let Some(m) = directory.memberships(&user.id).first() {
        token = token.org(m.organization.id.clone());
    }
    Ok(Some(token.mint()?))
}

/// The text the quickstart binary prints: the MCP URL, a ready token and how
/// to connect MCP Inspector, Claude Desktop and Cursor.
pub fn instructions(running: &Running, token: Option<&str>) -> String {
    let url = &running.mcp_url;
    let mut out = format!("\nmcp-clerk quickstart\n\n  MCP endpoint   {url}\n");
    match &running.clerk {
        Clerk::Dev(dev) => {
            out.push_str(&format!(
                "  Clerk          local emulator at {} (development only)\n",
                dev.issuer()
            ));
        }
        Clerk::Real(real) => {
            out.push_str(&format!("  Clerk          {}\n", real.issuer()));
        }
    }
    if let Some(token) = token {
        out.push_str(&format!(
            "\nA ready bearer token for the first dev user and organization (valid 24 h):\n\n  export TOKEN={token}\n\
             \nList and call tools with MCP Inspector's CLI (Node >= 22.19):\n\n\
             \x20 npx -y @modelcontextprotocol/inspector@2.12.0 --cli {url} --transport http \\\n\
             \x20   --header \"Authorization: Bearer $TOKEN\" --method tools/list\n\
             \x20 npx -y @modelcontextprotocol/inspector@2.12.0 --cli {url} --transport http \\\n\
             \x20   --header \"Authorization: Bearer $TOKEN\" --method tools/call --tool-name whoami\n"
        ));
    }
    out.push_str(&format!(
        "\nOr let a client run the OAuth flow itself (no token needed):\n\n\
         \x20 MCP Inspector UI:   npx -y @modelcontextprotocol/inspector@2.12.0\n\
         \x20                     then connect to {url} (transport: Streamable HTTP)\n\
         \x20 MCP Inspector CLI:  npx -y @modelcontextprotocol/inspector@2.12.0 --cli {url} --transport http --method tools/list\n\
         \nClaude Desktop (claude_desktop_config.json, through mcp-remote):\n\n\
         {{\n  \"mcpServers\": {{\n    \"quickstart\": {{\n      \"command\": \"npx\",\n      \"args\": [\"-y\", \"mcp-remote@0.15.1\", \"{url}\"]\n    }}\n  }}\n}}\n\
         \nCursor (~/.cursor/mcp.json):\n\n\
         {{\n  \"mcpServers\": {{\n    \"quickstart\": {{ \"url\": \"{url}\" }}\n  }}\n}}\n"
    ));
    if running.clerk.dev_server().is_some() {
        out.push_str(
            "\nThe emulator shows a consent page where you pick a dev user and organization\n\
             (set MCP_CLERK_DEV_AUTO_CONSENT=1 to skip it). Set CLERK_PUBLISHABLE_KEY (or\n\
             CLERK_FRONTEND_API_URL) to use your real Clerk instance instead.\n",
        );
    }
    out
}
