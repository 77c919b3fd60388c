use mcp_clerk::prelude::*;

#[tool(annotations(read_only = ))]
async fn ping() -> &'static str {
    "pong"
}

fn main() {}
