use mcp_clerk::prelude::*;

#[tool]
async fn greet(#[arg(rename = "who", rename = "whom")] name: String) -> String {
    name
}

fn main() {}
