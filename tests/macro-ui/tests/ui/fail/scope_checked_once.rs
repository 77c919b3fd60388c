use mcp_clerk::prelude::*;

// `scopes(..)` is read after `scope`: the bad scope is still reported once.
#[tool(scope = "notes:read notes:write", scopes("notes:list"))]
async fn notes(user: ClerkUser) -> String {
    user.id().to_owned()
}

fn main() {}
