use mcp_clerk::prelude::*;

#[tool(scopes = "notes:read")]
async fn ping() -> &'static str {
    "pong"
}

fn main() {}
