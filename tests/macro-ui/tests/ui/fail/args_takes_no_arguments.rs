use mcp_clerk::prelude::*;

#[derive(Deserialize, JsonSchema)]
struct Query {
    text: String,
}

#[tool]
async fn search(#[args(flatten)] query: Query) -> String {
    query.text
}

fn main() {}
