use mcp_clerk::prelude::*;

#[derive(Deserialize, JsonSchema)]
struct Query {
    text: String,
}

#[tool]
async fn search(#[args] query: Query, limit: u32) -> String {
    format!("{} {limit}", query.text)
}

fn main() {}
