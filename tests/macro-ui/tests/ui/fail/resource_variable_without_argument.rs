use mcp_clerk::prelude::*;

#[resource("notes://{org}/{id}")]
async fn note(org: String) -> String {
    org
}

fn main() {}
