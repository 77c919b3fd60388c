use mcp_clerk::prelude::*;

#[tool(callers = robots)]
async fn report() -> String {
    String::new()
}

fn main() {}
