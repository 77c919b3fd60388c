use mcp_clerk::prelude::*;

struct Server;

#[tool_impl]
impl Server {
    #[tool = "ping"]
    async fn ping(&self) -> &'static str {
        "pong"
    }
}

fn main() {}
