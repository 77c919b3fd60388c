use mcp_clerk::prelude::*;

#[resource("test://motd" name = "motd")]
async fn motd() -> String {
    String::new()
}

fn main() {}
