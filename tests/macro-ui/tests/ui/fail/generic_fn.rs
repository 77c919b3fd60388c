use mcp_clerk::prelude::*;

#[tool]
fn echo<T: ToString>(text: String) -> String {
    text
}

fn main() {}
