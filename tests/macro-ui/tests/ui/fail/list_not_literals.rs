use mcp_clerk::prelude::*;

#[tool(roles(admin))]
async fn ping() -> &'static str {
    "pong"
}

fn main() {}
