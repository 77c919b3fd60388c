use mcp_clerk::prelude::*;

struct Server;

trait Ping {
    fn ping(&self) -> &'static str;
}

#[tool_impl]
impl Ping for Server {
    #[tool]
    fn ping(&self) -> &'static str {
        "pong"
    }
}

fn main() {}
