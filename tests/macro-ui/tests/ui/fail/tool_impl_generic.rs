use mcp_clerk::prelude::*;

struct Server<T>(T);

#[tool_impl]
impl<T: Send + Sync + 'static> Server<T> {
    #[tool]
    async fn ping(&self) -> &'static str {
        "pong"
    }
}

fn main() {}
