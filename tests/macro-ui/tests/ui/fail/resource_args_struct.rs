use mcp_clerk::prelude::*;

#[derive(Deserialize, JsonSchema)]
struct Ids {
    id: String,
}

#[resource("notes://{id}")]
async fn note(#[args] ids: Ids) -> String {
    ids.id
}

fn main() {}
