use mcp_clerk::prelude::*;

#[tool(annotations(read_only, read_only = false))]
async fn ping() -> &'static str {
    "pong"
}

fn main() {}
