use mcp_clerk::prelude::*;

async fn plain() -> &'static str {
    "not a tool"
}

fn main() {
    let _tools = tools![plain];
}
