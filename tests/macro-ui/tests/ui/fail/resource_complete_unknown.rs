use mcp_clerk::prelude::*;

async fn ids(_request: CompletionRequest) -> Vec<String> {
    Vec::new()
}

#[resource("notes://{id}", complete(note = ids))]
async fn note(id: String) -> String {
    id
}

fn main() {}
