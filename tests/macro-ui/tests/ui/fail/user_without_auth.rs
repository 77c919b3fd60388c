use mcp_clerk::prelude::*;

/// Who am I?
#[tool]
async fn whoami(user: ClerkUser) -> String {
    user.id().to_owned()
}

fn main() {}
