use mcp_clerk::prelude::*;

#[tool(name = "")]
async fn ping() -> &'static str {
    "pong"
}

fn main() {}
