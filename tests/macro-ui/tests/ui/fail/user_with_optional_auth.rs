use mcp_clerk::prelude::*;

#[tool(auth = optional)]
async fn whoami(user: ClerkUser) -> String {
    user.id().to_owned()
}

fn main() {}
