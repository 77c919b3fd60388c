use mcp_clerk::prelude::*;

#[tool]
fn echo(text: impl ToString) -> String {
    text.to_string()
}

fn main() {}
