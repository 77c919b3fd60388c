use mcp_clerk::prelude::*;

#[resource(name = "motd")]
async fn motd() -> String {
    String::new()
}

fn main() {}
