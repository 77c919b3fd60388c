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

/// Forwards every line `stream` (a child's stdout or stderr) prints to `tx`,
/// from a thread of its own, until the stream ends or `tx`'s receiver is gone.
pub fn forward_lines(
    stream: impl std::io::Read + Send + 'static,
    tx: std::sync::mpsc::Sender<String>,
) {
    use std::io::BufRead as _;
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stream)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
}

/// The lines `stream` prints, as they come.
pub fn lines_of(stream: impl std::io::Read + Send + 'static) -> std::sync::mpsc::Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    forward_lines(stream, tx);
    rx
}

/// The resident memory of process `pid` in KiB (`VmRSS`), if it can be read.
pub fn rss_kib(pid: u32) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}
