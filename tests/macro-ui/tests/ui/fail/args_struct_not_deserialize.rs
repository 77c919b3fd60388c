use mcp_clerk::prelude::*;

struct Query {
    text: String,
}

#[tool]
async fn search(#[args] query: Query) -> String {
    query.text
}

fn main() {}
