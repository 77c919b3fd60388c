use mcp_clerk::prelude::*;

#[tool(callers)]
async fn report() -> String {
    String::new()
}

fn main() {}
