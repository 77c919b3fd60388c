use mcp_clerk::prelude::*;

#[tool(annotations(readonly))]
async fn list() -> &'static str {
    "[]"
}

fn main() {}
