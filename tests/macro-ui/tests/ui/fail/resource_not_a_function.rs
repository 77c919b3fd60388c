use mcp_clerk::prelude::*;

#[resource("test://motd")]
struct Motd;

fn main() {}
