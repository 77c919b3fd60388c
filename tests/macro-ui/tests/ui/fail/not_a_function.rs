use mcp_clerk::prelude::*;

#[tool]
struct NotAFunction;

fn main() {}
