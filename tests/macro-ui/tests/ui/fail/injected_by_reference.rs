use mcp_clerk::prelude::*;

#[tool(auth = required)]
async fn whoami(user: &ClerkUser) -> String {
    user.id().to_owned()
}

fn main() {}
