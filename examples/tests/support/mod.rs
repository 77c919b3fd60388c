//! What the tests that run an example binary share.
#![allow(dead_code, unreachable_pub)]

use std::process::{Child, Command};

/// Kills the child when the test ends, passed or not.
pub struct Kill(pub Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A command for the example binary at `path` with none of this
/// environment's Clerk or mcp-clerk settings, listening on an ephemeral port.
pub fn example_command(path: &str) -> Command {
    let mut cmd = Command::new(path);
    for (name, _) in std::env::vars() {
        if name.starts_with("CLERK_") || name.starts_with("MCP_CLERK_") || name == "MCP_ADDR" {
            cmd.env_remove(name);
        }
    }
    cmd.env("MCP_ADDR", "127.0.0.1:0");
    cmd
}
