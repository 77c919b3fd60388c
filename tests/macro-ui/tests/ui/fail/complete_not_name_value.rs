use mcp_clerk::prelude::*;

#[prompt(complete(topic))]
async fn summarise(topic: String) -> String {
    topic
}

fn main() {}
