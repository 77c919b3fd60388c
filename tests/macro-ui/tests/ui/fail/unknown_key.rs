use mcp_clerk::prelude::*;

#[tool(auht = required)]
async fn whoami() -> &'static str {
    "me"
}

fn main() {}
