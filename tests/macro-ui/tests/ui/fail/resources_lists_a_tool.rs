use mcp_clerk::prelude::*;

/// Answers pong.
#[tool]
async fn ping() -> &'static str {
    "pong"
}

fn main() {
    let _resources = resources![ping];
}
