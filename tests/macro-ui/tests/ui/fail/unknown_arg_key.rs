use mcp_clerk::prelude::*;

#[tool]
async fn greet(#[arg(descripton = "Who to greet")] name: String) -> String {
    name
}

fn main() {}
