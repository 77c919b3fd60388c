use mcp_clerk::prelude::*;

#[tool(auth::level = required)]
async fn ping() -> &'static str {
    "pong"
}

fn main() {}
