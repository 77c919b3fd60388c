use mcp_clerk::prelude::*;

#[resource("test://me")]
async fn me(user: ClerkUser) -> String {
    user.id().to_owned()
}

fn main() {}
