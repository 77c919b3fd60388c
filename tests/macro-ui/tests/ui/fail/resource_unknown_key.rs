use mcp_clerk::prelude::*;

#[resource("test://motd", annotations(read_only))]
async fn motd() -> String {
    String::new()
}

fn main() {}
