//! The drain: readiness turns 503 at the signal, calls in flight finish with
//! their results, new connections are refused once the listener closes, and
//! neither a call past the deadline nor an open SSE stream holds the stop.
#![cfg(feature = "testing")]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use mcp_clerk::__private::rmcp::model::{CallToolResult, ContentBlock};
use mcp_clerk::policy::ToolPolicy;
use mcp_clerk::{Drain, McpServer, SessionMode, ToolCall, ToolDef};
use serde_json::json;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::http_support::{ACCEPT, client, descriptor, initialize, message, post, rpc, tool_text};

const PATIENCE: Duration = Duration::from_secs(15);

/// `work`: counts its start in `started`, sleeps `ms`, answers `done <n>`.
fn work(started: Arc<AtomicUsize>) -> ToolDef {
    ToolDef::new(
        descriptor("work", "Works for a while."),
        ToolPolicy::new(),
        move |call: ToolCall| {
            let started = started.clone();
            async move {
                started.fetch_add(1, Ordering::SeqCst);
                let args = call.arguments();
                let ms = args
                    .and_then(|a| a.get("ms"))
                    .and_then(|v| v.as_u64())
                    .unwrap_or(0);
                let n = args
                    .and_then(|a| a.get("n"))
                    .and_then(|v| v.as_u64())
                    .unwrap_or(0);
                tokio::time::sleep(Duration::from_millis(ms)).await;
                Ok(CallToolResult::success(vec![ContentBlock::text(format!("done {n}"))]).into())
            }
        },
    )
}

struct Serving {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<(), mcp_clerk::ServeError>>,
}

async fn serve(server: McpServer) -> Serving {
    let bound = server.bind("127.0.0.1:0").await.unwrap();
    let addr = bound.local_addr();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(bound.run_until(async move {
        let _ = stopped.await;
    }));
    Serving { addr, stop, task }
}

impl Serving {
    /// Sends the stop and returns how long the server took to finish, cleanly.
    async fn stop_and_wait(self) -> Duration {
        let stop_at = Instant::now();
        self.stop.send(()).unwrap();
        let stopped = tokio::time::timeout(PATIENCE, self.task)
            .await
            .expect("the server stopped");
        stopped.unwrap().expect("a clean stop");
        stop_at.elapsed()
    }
}

async fn status(url: String) -> u16 {
    client()
        .get(url)
        .send()
        .await
        .expect("GET")
        .status()
        .as_u16()
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn work_call(ms: u64, n: u64) -> serde_json::Value {
    rpc(
        "tools/call",
        json!({"name": "work", "arguments": {"ms": ms, "n": n}}),
    )
}

#[tokio::test]
async fn calls_in_flight_finish_with_their_results_and_then_the_server_refuses_connections() {
    let started = Arc::new(AtomicUsize::new(0));
    let s = serve(
        McpServer::new("drain", "1")
            .tools([work(started.clone())])
            .drain(
                Drain::default()
                    .delay(Duration::from_millis(500))
                    .deadline(Duration::from_secs(10)),
            ),
    )
    .await;
    let base = format!("http://{}", s.addr);
    assert_eq!(status(format!("{base}/readyz")).await, 200);
    assert_eq!(status(format!("{base}/livez")).await, 200);

    let calls: Vec<_> = (0..8)
        .map(|n| {
            let url = format!("{base}/mcp");
            tokio::spawn(async move { post(&url, None, &work_call(1_500, n)).await })
        })
        .collect();
    wait_for("every call to start", || {
        started.load(Ordering::SeqCst) == 8
    })
    .await;

    let addr = s.addr;
    let stop_at = Instant::now();
    let stopping = tokio::spawn(s.stop_and_wait());
    // Readiness says 503 at once, on a new connection: the listener is still
    // open during the delay.
    let mut readiness = 200;
    while readiness == 200 && stop_at.elapsed() < Duration::from_millis(400) {
        readiness = status(format!("{base}/readyz")).await;
    }
    assert_eq!(readiness, 503);

    for (n, call) in calls.into_iter().enumerate() {
        let response = call.await.unwrap();
        assert_eq!(response.status(), 200, "call {n}");
        assert_eq!(
            tool_text(&message(response).await),
            (format!("done {n}"), false)
        );
    }
    stopping.await.unwrap();
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "a new connection was accepted after the drain"
    );
}

#[tokio::test]
async fn a_call_past_the_deadline_does_not_hold_the_stop() {
    let started = Arc::new(AtomicUsize::new(0));
    let s = serve(
        McpServer::new("drain", "1")
            .tools([work(started.clone())])
            .drain(
                Drain::default()
                    .delay(Duration::ZERO)
                    .deadline(Duration::from_millis(300)),
            ),
    )
    .await;
    let url = format!("http://{}/mcp", s.addr);
    let call =
        tokio::spawn(
            async move { mcp_clerk::testing::post(&url, None, &work_call(60_000, 1)).await },
        );
    wait_for("the call to start", || started.load(Ordering::SeqCst) == 1).await;
    let took = s.stop_and_wait().await;
    assert!(took < Duration::from_secs(5), "stop took {:?}", took);
    let answered = tokio::time::timeout(PATIENCE, call)
        .await
        .expect("the client was let go")
        .unwrap();
    assert!(answered.is_err() || answered.unwrap().status() != 200);
}

#[tokio::test]
async fn an_open_sse_stream_does_not_hold_the_stop_until_the_deadline() {
    let s = serve(
        McpServer::new("drain", "1")
            .tools([work(Arc::default())])
            .session_mode(SessionMode::Stateful)
            .drain(
                Drain::default()
                    .delay(Duration::ZERO)
                    .deadline(Duration::from_secs(30)),
            ),
    )
    .await;
    let url = format!("http://{}/mcp", s.addr);
    let init = post(&url, None, &initialize()).await;
    assert_eq!(init.status(), 200);
    let session = init.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let _ = message(init).await;
    let initialized = client()
        .post(&url)
        .header("content-type", "application/json")
        .header("accept", ACCEPT)
        .header("mcp-protocol-version", "2025-11-25")
        .header("mcp-session-id", &session)
        .json(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        .send()
        .await
        .unwrap();
    assert!(initialized.status().is_success());
    let stream = client()
        .get(&url)
        .header("accept", "text/event-stream")
        .header("mcp-protocol-version", "2025-11-25")
        .header("mcp-session-id", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200, "the standalone stream opened");

    let took = s.stop_and_wait().await;
    assert!(
        took < Duration::from_secs(5),
        "an idle SSE stream held the stop for {:?}",
        took
    );
    drop(stream);
}
