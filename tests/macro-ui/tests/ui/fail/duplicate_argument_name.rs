use mcp_clerk::prelude::*;

#[tool]
fn pick(kind: String, #[arg(rename = "kind")] other: String) -> String {
    kind + &other
}

fn main() {}
