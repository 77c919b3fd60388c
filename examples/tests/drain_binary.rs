//! The `long_calls` binary, stopped with SIGTERM while calls are in flight:
//! `/readyz` turns 503 during the drain delay, every call in flight completes
//! with its result, the listener is closed afterwards, and the exit code is 0.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mcp_clerk::testing::call_tool;
use serde_json::json;

mod support;

use support::{Kill, example_command, lines_of};

/// The status of `GET http://{addr}{path}` on a new connection, or `None`
/// when the connection is refused.
async fn get_status(addr: &str, path: &str) -> Option<u16> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut conn = tokio::net::TcpStream::connect(addr).await.ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    conn.write_all(request.as_bytes()).await.ok()?;
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), conn.read_to_end(&mut out))
        .await
        .ok()?
        .ok()?;
    let text = String::from_utf8_lossy(&out);
    text.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::test]
async fn sigterm_lets_calls_in_flight_finish_and_exits_0() {
    // no Clerk settings at all
    let mut cmd = example_command(env!("CARGO_BIN_EXE_long_calls"));
    cmd.env("MCP_CLERK_DRAIN_DELAY", "700ms")
        .env("MCP_CLERK_DRAIN_DEADLINE", "20s")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = Kill(cmd.spawn().expect("spawn long_calls"));
    let rx = lines_of(child.0.stdout.take().unwrap());
    let url = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the binary printed its URL");
        if let Some(u) = line.trim().strip_prefix("MCP endpoint") {
            break u.trim().to_owned();
        }
    };
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches("/mcp")
        .to_owned();
    assert_eq!(get_status(&addr, "/readyz").await, Some(200));

    // A burst of slow calls, each long enough to still be running when the
    // signal and the whole drain delay have passed.
    let calls: Vec<_> = (0..8)
        .map(|n| {
            let url = url.clone();
            let seconds = 2.0 + f64::from(n) / 10.0;
            tokio::spawn(async move {
                (
                    seconds,
                    call_tool(&url, None, "work", json!({"seconds": seconds})).await,
                )
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(400)).await;

    let sent = Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .expect("run kill");
    assert!(sent.success());
    let signalled = Instant::now();

    // During the delay the listener is open and readiness says 503.
    let mut readiness = Some(200);
    while readiness == Some(200) && signalled.elapsed() < Duration::from_millis(600) {
        readiness = get_status(&addr, "/readyz").await;
    }
    assert_eq!(readiness, Some(503), "readiness during the drain delay");

    // After the delay, while the calls still run, the listener is closed.
    tokio::time::sleep_until((signalled + Duration::from_millis(1_000)).into()).await;
    assert_eq!(
        get_status(&addr, "/readyz").await,
        None,
        "a new connection after the drain delay"
    );

    for call in calls {
        let (seconds, answer) = call.await.unwrap();
        let answer = answer.unwrap_or_else(|e| panic!("the {seconds} s call failed: {e}"));
        assert_eq!(
            answer["result"]["content"][0]["text"],
            format!("worked {seconds} s"),
            "{answer}"
        );
    }

    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.0.try_wait().expect("try_wait") {
            break status;
        }
        assert!(Instant::now() < deadline, "no exit 30 s after SIGTERM");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(status.success(), "exit after SIGTERM: {status:?}");
    assert_eq!(
        get_status(&addr, "/readyz").await,
        None,
        "connections are refused once the server is gone"
    );
}
