use mcp_clerk::prelude::*;

#[tool_impl]
struct Server;

fn main() {}
