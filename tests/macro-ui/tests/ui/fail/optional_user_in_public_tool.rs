use mcp_clerk::prelude::*;

#[tool]
async fn whoami(user: Option<ClerkUser>) -> String {
    user.map(|u| u.id().to_owned()).unwrap_or_default()
}

fn main() {}
