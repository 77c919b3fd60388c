use mcp_clerk::prelude::*;

#[tool]
fn repeat(#[arg(default = "three")] times: u32) -> String {
    times.to_string()
}

fn main() {}
