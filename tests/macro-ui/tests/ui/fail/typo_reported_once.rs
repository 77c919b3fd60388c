use mcp_clerk::prelude::*;

// The typo makes the policy unknown, so `ClerkUser` is not also reported as
// needing `auth = required`: one mistake, one message.
#[tool(auht = required)]
async fn whoami(user: ClerkUser) -> String {
    user.id().to_owned()
}

fn main() {}
