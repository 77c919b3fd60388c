use mcp_clerk::prelude::*;

// People and machines call this tool: a `ClerkUser` would be missing for machines.
#[tool(callers = any)]
async fn report(user: ClerkUser) -> String {
    user.id().to_owned()
}

fn main() {}
