use mcp_clerk::prelude::*;

#[tool(name = whoami)]
async fn whoami() -> &'static str {
    "me"
}

fn main() {}
