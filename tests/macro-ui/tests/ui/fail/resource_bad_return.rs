use mcp_clerk::prelude::*;

#[resource("test://count")]
async fn count() -> u32 {
    1
}

fn main() {}
