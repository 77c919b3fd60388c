use mcp_clerk::prelude::*;

#[resource("notes://{id}")]
async fn note(id: u32, page: u32) -> String {
    format!("{id} {page}")
}

fn main() {}
