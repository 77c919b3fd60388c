use mcp_clerk::prelude::*;

#[resource("notes://{id")]
async fn note(id: String) -> String {
    id
}

fn main() {}
