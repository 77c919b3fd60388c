use mcp_clerk::prelude::*;

async fn topics(_request: CompletionRequest) -> Vec<String> {
    Vec::new()
}

#[prompt(complete(subject = topics))]
async fn summarise(topic: String) -> String {
    topic
}

fn main() {}
