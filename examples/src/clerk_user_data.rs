//! The port of Clerk's `get-clerk-user-data` MCP tool: the tool takes the
//! verified caller and the Clerk Backend API handle, reads the full user
//! (`GET /v1/users/{id}`) and returns it as structured output.
//!
//! Clerk's JavaScript version reads `authInfo.extra.userId` and calls
//! `clerk.users.getUser(userId)`; here the caller is a typed argument and the
//! handle ([`mcp_clerk::Clerk`]) is injected, cached per id and built from
//! `CLERK_SECRET_KEY`: a server without a secret key is refused when it is
//! built, naming this tool.

use mcp_clerk::McpServer;
use mcp_clerk::backend::ClerkUserData;
use mcp_clerk::prelude::*;

use crate::Running;

/// Gets data about the Clerk user that authorized this request.
#[tool(auth = required, name = "get-clerk-user-data", annotations(read_only))]
pub async fn get_clerk_user_data(
    user: ClerkUser,
    clerk: Clerk,
) -> Result<Json<ClerkUserData>, ToolError> {
    let data = clerk.users().get(user.id()).await?;
    data.map(Json).ok_or_else(|| {
        ToolError::not_found("the user who authorized this request no longer exists")
    })
}

/// The example server with `config` (which must carry a secret key).
pub fn server(config: mcp_clerk::ClerkConfig) -> McpServer {
    McpServer::new("mcp-clerk-user-data", env!("CARGO_PKG_VERSION"))
        .clerk(config)
        .tools(tools![get_clerk_user_data])
}

/// The scopes the example advertises (`MCP_CLERK_SCOPES` wins with real Clerk).
pub const SCOPES: &[&str] = &["email", "profile"];

/// Starts the example on `addr`: on the emulator with its secret key, with
/// real Clerk with `CLERK_SECRET_KEY` from the environment.
pub async fn start(addr: &str, clerk: crate::Clerk) -> anyhow::Result<Running> {
    let config = match &clerk {
        crate::Clerk::Real(real) => real.config(SCOPES)?,
        crate::Clerk::Dev(dev) => dev
            .config_builder()
            .scopes(SCOPES.iter().copied())
            .build()?,
    };
    Running::serve(server(config), addr, clerk).await
}
