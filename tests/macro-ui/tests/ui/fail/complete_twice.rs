use mcp_clerk::prelude::*;

async fn topics(_request: CompletionRequest) -> Vec<String> {
    Vec::new()
}

#[prompt(complete(topic = topics, topic = topics))]
async fn summarise(topic: String) -> String {
    topic
}

fn main() {}
