use mcp_clerk::prelude::*;

struct Server;

impl Server {
    #[tool]
    async fn ping(&self) -> &'static str {
        "pong"
    }
}

fn main() {}
