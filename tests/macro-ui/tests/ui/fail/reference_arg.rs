use mcp_clerk::prelude::*;

#[tool]
fn echo(text: &str) -> String {
    text.to_owned()
}

fn main() {}
