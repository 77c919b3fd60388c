use mcp_clerk::prelude::*;

#[tool(name = "list projects")]
async fn list_projects() -> &'static str {
    "[]"
}

fn main() {}
