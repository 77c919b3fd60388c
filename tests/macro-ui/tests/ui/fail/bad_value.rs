use mcp_clerk::prelude::*;

#[tool(auth = maybe)]
async fn whoami() -> &'static str {
    "me"
}

fn main() {}
