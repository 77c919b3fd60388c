use mcp_clerk::prelude::*;

#[tool]
async fn greet(#[arg(description = )] name: String) -> String {
    name
}

fn main() {}
