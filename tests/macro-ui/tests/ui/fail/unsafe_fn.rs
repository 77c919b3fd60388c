use mcp_clerk::prelude::*;

#[tool]
unsafe fn raw() -> &'static str {
    "raw"
}

fn main() {}
