//! `ServeLimits` over real sockets: slow heads and bodies and idle keep-alive
//! connections are closed on time, a request in progress never is, and a
//! normal client is served throughout, also at the connection cap.
#![cfg(feature = "testing")]

use std::time::{Duration, Instant};

use mcp_clerk::__private::rmcp::model::{CallToolResult, ContentBlock};
use mcp_clerk::policy::ToolPolicy;
use mcp_clerk::{McpServer, ServeLimits, ToolCall, ToolDef};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::http_support::{assert_tool_answer, call, descriptor, ping, post, start};

/// Waits up to this long for anything the test expects to happen.
const PATIENCE: Duration = Duration::from_secs(10);

/// `sleep`: public, answers `slept` after `ms` milliseconds (default 1500).
fn sleeper() -> ToolDef {
    ToolDef::new(
        descriptor("sleep", "Sleeps."),
        ToolPolicy::new(),
        |call: ToolCall| async move {
            let ms = call
                .arguments()
                .and_then(|a| a.get("ms"))
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(1500);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Ok(CallToolResult::success(vec![ContentBlock::text("slept")]).into())
        },
    )
}

fn limits() -> ServeLimits {
    ServeLimits::default()
        .header_read_timeout(Duration::from_millis(600))
        .body_read_timeout(Duration::from_millis(800))
        .idle_timeout(Duration::from_millis(2_000))
}

fn server(limits: ServeLimits) -> McpServer {
    McpServer::new("limits", "1")
        .tools([ping(), sleeper()])
        .serve_limits(limits)
}

fn addr(base: &str) -> String {
    base.trim_start_matches("http://").to_owned()
}

/// Whether the server closed `conn` (EOF or reset) within `within`; any
/// bytes it sends first (an error response) are read and ignored.
async fn closed_within(conn: &mut TcpStream, within: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(deadline, conn.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}

fn raw_call(host: &str, body: &str) -> String {
    format!(
        "POST /mcp HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Accept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2025-11-25\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

const PING: &str =
    r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"ping","arguments":{}}}"#;

/// Reads one HTTP response head and its Content-Length body from `conn`.
async fn read_response(conn: &mut TcpStream) -> String {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(PATIENCE, conn.read(&mut buf))
            .await
            .expect("a response in time")
            .expect("read");
        assert!(
            n > 0,
            "connection closed before a response: {:?}",
            String::from_utf8_lossy(&data)
        );
        data.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&data).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let len = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap())
                })
                .unwrap_or(0);
            if data.len() >= end + 4 + len {
                return text;
            }
        }
    }
}

#[tokio::test]
async fn slow_heads_and_bodies_are_closed_and_a_normal_client_is_served_throughout() {
    let running = start(server(limits())).await;
    let host = addr(&running.base);

    // Heads that never finish: a header line every 200 ms, or the request
    // line a byte at a time; and a body a byte every 200 ms.
    let mut slow = Vec::new();
    for i in 0..24 {
        let mut conn = TcpStream::connect(&host).await.unwrap();
        let kind = i % 3;
        let task = tokio::spawn(async move {
            let started = Instant::now();
            let drip = async {
                match kind {
                    0 => {
                        conn.write_all(b"POST /mcp HTTP/1.1\r\n").await?;
                        for n in 0.. {
                            conn.write_all(format!("X-Drip-{n}: 1\r\n").as_bytes())
                                .await?;
                            tokio::time::sleep(Duration::from_millis(200)).await;
                        }
                    }
                    1 => {
                        for b in b"POST /mcp HTTP/1.1\r\nHost: x\r\n".iter().cycle() {
                            conn.write_all(&[*b]).await?;
                            tokio::time::sleep(Duration::from_millis(200)).await;
                        }
                    }
                    _ => {
                        let body = PING.repeat(10);
                        let head = raw_call("127.0.0.1", &body);
                        let (head, body) = head.split_at(head.len() - body.len());
                        conn.write_all(head.as_bytes()).await?;
                        for b in body.bytes() {
                            conn.write_all(&[b]).await?;
                            tokio::time::sleep(Duration::from_millis(200)).await;
                        }
                    }
                }
                Ok::<_, std::io::Error>(())
            };
            // The drip ends when a write fails: the server closed the socket.
            let _ = tokio::time::timeout(PATIENCE, drip).await;
            (kind, started.elapsed())
        });
        slow.push(task);
    }

    // Meanwhile a normal client is answered, again and again.
    let served = tokio::spawn({
        let url = running.url.clone();
        async move {
            for _ in 0..10 {
                assert_tool_answer(post(&url, None, &call("ping")).await, "pong").await;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    });
    served.await.expect("the normal client was served");

    for task in slow {
        let (kind, lasted) = task.await.unwrap();
        assert!(
            lasted < Duration::from_secs(5),
            "slow connection of kind {kind} was kept open for {lasted:?}"
        );
    }
    running.stop().await;
}

#[tokio::test]
async fn a_slow_head_is_closed_after_the_header_timeout() {
    let running = start(server(limits())).await;
    let mut conn = TcpStream::connect(addr(&running.base)).await.unwrap();
    conn.write_all(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    assert!(closed_within(&mut conn, PATIENCE).await);
    let lasted = started.elapsed();
    assert!(
        lasted >= Duration::from_millis(500),
        "closed too early: {lasted:?}"
    );
    running.stop().await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_outlives_the_header_timeout_and_closes_after_the_idle_timeout()
 {
    let running = start(server(limits())).await;
    let host = addr(&running.base);
    let mut conn = TcpStream::connect(&host).await.unwrap();
    conn.write_all(raw_call(&host, PING).as_bytes())
        .await
        .unwrap();
    assert!(read_response(&mut conn).await.contains("pong"));

    // Idle for twice the header timeout: still open, and serves a request.
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    conn.write_all(raw_call(&host, PING).as_bytes())
        .await
        .unwrap();
    assert!(read_response(&mut conn).await.contains("pong"));

    // Then idle past the idle timeout: closed.
    let idle_from = Instant::now();
    assert!(
        closed_within(&mut conn, PATIENCE).await,
        "idle connection never closed"
    );
    let idle = idle_from.elapsed();
    assert!(
        idle >= Duration::from_millis(1_800),
        "closed after {idle:?} of idleness"
    );
    running.stop().await;
}

#[tokio::test]
async fn a_request_in_progress_is_not_idle() {
    let running = start(server(limits().idle_timeout(Duration::from_millis(300)))).await;
    let host = addr(&running.base);
    let mut conn = TcpStream::connect(&host).await.unwrap();
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"sleep","arguments":{"ms":1500}}}"#;
    conn.write_all(raw_call(&host, body).as_bytes())
        .await
        .unwrap();
    assert!(read_response(&mut conn).await.contains("slept"));
    running.stop().await;
}

#[tokio::test]
async fn a_body_slower_than_its_timeout_is_cut_off() {
    let running = start(server(limits())).await;
    let host = addr(&running.base);
    let mut conn = TcpStream::connect(&host).await.unwrap();
    let request = raw_call(&host, PING);
    let (head, body) = request.split_at(request.len() - PING.len());
    conn.write_all(head.as_bytes()).await.unwrap();
    conn.write_all(&body.as_bytes()[..5]).await.unwrap();
    let started = Instant::now();
    assert!(
        closed_within(&mut conn, PATIENCE).await,
        "the slow body's connection stayed open"
    );
    assert!(started.elapsed() >= Duration::from_millis(700));
    running.stop().await;
}

#[tokio::test]
async fn at_the_cap_idle_connections_make_room_and_slow_ones_time_out() {
    // Idle timeout far away: only the cap can close the idle connections.
    let cap = 4;
    let running = start(server(
        limits()
            .idle_timeout(Duration::from_secs(60))
            .max_connections(cap),
    ))
    .await;
    let host = addr(&running.base);

    // The cap filled with idle keep-alive connections.
    let mut idle = Vec::new();
    for _ in 0..cap {
        let mut conn = TcpStream::connect(&host).await.unwrap();
        conn.write_all(raw_call(&host, PING).as_bytes())
            .await
            .unwrap();
        assert!(read_response(&mut conn).await.contains("pong"));
        idle.push(conn);
    }
    let started = Instant::now();
    assert_tool_answer(post(&running.url, None, &call("ping")).await, "pong").await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "waited {:?}",
        started.elapsed()
    );
    let mut closed = 0;
    for conn in &mut idle {
        if closed_within(conn, Duration::from_millis(500)).await {
            closed += 1;
        }
    }
    assert!(closed >= 1, "no idle connection was closed to make room");

    // The cap filled with slow heads: a new client waits for the header
    // timeout, then is served.
    let mut slow = Vec::new();
    for _ in 0..cap {
        let mut conn = TcpStream::connect(&host).await.unwrap();
        conn.write_all(b"POST /mcp HTTP/1.1\r\n").await.unwrap();
        slow.push(conn);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_tool_answer(post(&running.url, None, &call("ping")).await, "pong").await;
    for conn in &mut slow {
        assert!(closed_within(conn, PATIENCE).await);
    }
    running.stop().await;
}
