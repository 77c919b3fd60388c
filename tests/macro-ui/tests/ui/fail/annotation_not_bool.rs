use mcp_clerk::prelude::*;

#[tool(annotations(destructive = "yes"))]
async fn ping() -> &'static str {
    "pong"
}

fn main() {}
