use mcp_clerk::prelude::*;

#[tool]
async fn greet(#[arg(description = 42)] name: String) -> String {
    name
}

fn main() {}
