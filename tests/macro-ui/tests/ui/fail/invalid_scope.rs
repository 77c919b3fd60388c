use mcp_clerk::prelude::*;

#[tool(scopes("notes:read notes:write"))]
async fn notes(user: ClerkUser) -> String {
    user.id().to_owned()
}

fn main() {}
