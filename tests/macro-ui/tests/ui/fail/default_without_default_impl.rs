use mcp_clerk::prelude::*;

#[derive(Debug, Deserialize, JsonSchema)]
enum Color {
    Red,
    Green,
}

#[tool]
fn paint(#[arg(default)] color: Color) -> String {
    format!("{color:?}")
}

fn main() {}
