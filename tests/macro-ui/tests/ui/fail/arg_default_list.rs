use mcp_clerk::prelude::*;

#[tool]
async fn repeat(#[arg(default(3))] times: u32) -> String {
    times.to_string()
}

fn main() {}
