use mcp_clerk::prelude::*;

#[tool]
async fn greet(#[arg = "Who to greet"] name: String) -> String {
    name
}

fn main() {}
