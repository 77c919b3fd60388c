use mcp_clerk::prelude::*;

#[tool(auth)]
async fn ping() -> &'static str {
    "pong"
}

fn main() {}
