use mcp_clerk::prelude::*;

#[prompt(mime_type = "text/plain")]
async fn summarise() -> String {
    String::new()
}

fn main() {}
