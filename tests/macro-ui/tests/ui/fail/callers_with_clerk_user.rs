use mcp_clerk::prelude::*;

// A machine is never a `ClerkUser`.
#[tool(callers = machines)]
async fn report(user: ClerkUser) -> String {
    user.id().to_owned()
}

fn main() {}
