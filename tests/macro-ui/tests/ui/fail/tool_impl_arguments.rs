use mcp_clerk::prelude::*;

struct Server;

#[tool_impl(auth = required)]
impl Server {
    #[tool]
    async fn ping(&self) -> &'static str {
        "pong"
    }
}

fn main() {}
