use mcp_clerk::prelude::*;

#[tool]
fn answer() -> impl ToString {
    42
}

fn main() {}
