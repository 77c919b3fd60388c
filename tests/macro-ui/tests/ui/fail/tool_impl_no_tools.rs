use mcp_clerk::prelude::*;

struct Server;

#[tool_impl]
impl Server {
    async fn ping(&self) -> &'static str {
        "pong"
    }
}

fn main() {}
