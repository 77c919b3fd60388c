use mcp_clerk::prelude::*;

// Scopes need a signed-in caller even when the organization is optional.
#[tool(auth = optional, org = optional, scopes("notes:read"))]
async fn notes(user: Option<ClerkUser>) -> String {
    user.map(|u| u.id().to_owned()).unwrap_or_default()
}

fn main() {}
