use mcp_clerk::prelude::*;

fn plain() -> String {
    "not a prompt".to_owned()
}

fn main() {
    let _prompts = prompts![plain];
}
