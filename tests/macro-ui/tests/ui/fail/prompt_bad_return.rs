use mcp_clerk::prelude::*;

#[prompt]
async fn summarise() -> u32 {
    1
}

fn main() {}
