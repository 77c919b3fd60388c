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

/// A `redis-server` process of the test's own (an ephemeral port, no
/// persistence), killed when dropped. `scripts/test.sh` installs Redis.
pub struct RedisServer {
    child: Child,
    port: u16,
}

impl RedisServer {
    /// Starts one on a free port (retried when the port is taken).
    pub fn start() -> RedisServer {
        use std::time::{Duration, Instant};
        for _ in 0..5 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("bind 127.0.0.1:0")
                .port();
            let child = Command::new("redis-server")
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args(["--save", "", "--appendonly", "no"])
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap_or_else(|e| {
                    panic!("run redis-server: {e}; `bash scripts/test.sh` installs it")
                });
            let mut redis = RedisServer { child, port };
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                if redis.child.try_wait().ok().flatten().is_some() {
                    break;
                }
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return redis;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        panic!("redis-server did not start");
    }

    /// Its URL.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
