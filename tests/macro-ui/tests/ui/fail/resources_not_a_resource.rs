use mcp_clerk::prelude::*;

fn plain() -> String {
    "not a resource".to_owned()
}

fn main() {
    let _resources = resources![plain];
}
