use mcp_clerk::prelude::*;

#[derive(Deserialize, JsonSchema)]
struct Query {
    text: String,
}

#[tool]
async fn search(limit: u32, #[args] query: Query) -> String {
    format!("{} {limit}", query.text)
}

fn main() {}
