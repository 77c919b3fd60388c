use mcp_clerk::prelude::*;

#[tool]
fn sum(count: u32, _: ...) -> String {
    count.to_string()
}

fn main() {}
