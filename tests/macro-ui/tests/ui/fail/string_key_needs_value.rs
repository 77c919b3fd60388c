use mcp_clerk::prelude::*;

#[tool(title)]
async fn ping() -> &'static str {
    "pong"
}

fn main() {}
