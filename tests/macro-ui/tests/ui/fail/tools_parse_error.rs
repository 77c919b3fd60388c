use mcp_clerk::prelude::*;

#[tool]
async fn ping() -> &'static str {
    "pong"
}

fn main() {
    let _tools = tools![ping, 42];
}
