use mcp_clerk::prelude::*;

#[tool(crate = "not a path")]
async fn ping() -> &'static str {
    "pong"
}

fn main() {}
