use mcp_clerk::prelude::*;

#[derive(Deserialize, JsonSchema)]
struct Query {
    text: String,
}

#[tool]
async fn search(#[args] query: Query, #[args] again: Query) -> String {
    format!("{} {}", query.text, again.text)
}

fn main() {}
