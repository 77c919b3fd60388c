use mcp_clerk::prelude::*;

#[tool]
async fn answer() -> i32 {
    42
}

fn main() {}
