use mcp_clerk::prelude::*;

/// The message of the day.
#[resource("notes://motd")]
async fn motd() -> String {
    "hello".to_owned()
}

fn main() {
    let _prompts = prompts![motd];
}
