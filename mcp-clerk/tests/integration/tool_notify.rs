//! Talking to the client from inside a tool, received by rmcp's client over
//! loopback HTTP: `Progress` (tied to the call's progress token, nothing
//! without one) and `ClientLog` (filtered by the client's `logging/setLevel`,
//! per session), and `CancellationToken` (fired when the client sends
//! `notifications/cancelled` for the call).
#![cfg(feature = "testing")]
#![allow(deprecated)] // MCP logging (SEP-2577)

use std::sync::{Arc, Mutex};

use mcp_clerk::__private::rmcp::model::{
    CallToolRequestParams, LoggingLevel, LoggingMessageNotificationParam, NumberOrString,
    ProgressNotificationParam, ProgressToken, RequestParamsMeta, SetLevelRequestParams,
};
use mcp_clerk::__private::rmcp::service::NotificationContext;
use mcp_clerk::__private::rmcp::transport::StreamableHttpClientTransport;
use mcp_clerk::__private::rmcp::{ClientHandler, RoleClient, ServiceExt};
use mcp_clerk::SessionMode;
use mcp_clerk::prelude::*;
use mcp_clerk::tool::notify::{ClientLog, Progress};
use serde_json::json;

use crate::http_support::start;

/// Counts to `n`, reporting each step; says whether progress was requested.
#[tool]
async fn count(progress: Progress, n: u32) -> String {
    for i in 1..=n {
        progress
            .report(f64::from(i), Some(f64::from(n)), Some(&format!("step {i}")))
            .await;
    }
    format!("requested={}", progress.is_requested())
}

/// Logs at debug, info and error.
#[tool]
async fn chatty(log: ClientLog) -> &'static str {
    let log = log.named("chatty");
    log.debug("a debug line").await;
    log.info(json!({"step": "info"})).await;
    log.error("an error line").await;
    "done"
}

#[derive(Clone, Default)]
struct Seen {
    progress: Arc<Mutex<Vec<ProgressNotificationParam>>>,
    logs: Arc<Mutex<Vec<LoggingMessageNotificationParam>>>,
}

impl ClientHandler for Seen {
    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _: NotificationContext<RoleClient>,
    ) {
        self.progress.lock().unwrap().push(params);
    }

    async fn on_logging_message(
        &self,
        params: LoggingMessageNotificationParam,
        _: NotificationContext<RoleClient>,
    ) {
        self.logs.lock().unwrap().push(params);
    }
}

async fn settle() {
    // notifications arrive on the call's stream before its result; give the
    // client's handler task a moment to run
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
}

#[tokio::test]
async fn a_real_client_receives_progress_for_its_token_only() {
    // SSE answers, so notifications sent during a raw call are visible in its body
    let server = start(
        McpServer::new("s", "1")
            .json_response(false)
            .tools(tools![count, chatty]),
    )
    .await;
    let seen = Seen::default();
    let client = seen
        .clone()
        .serve(StreamableHttpClientTransport::from_uri(server.url.clone()))
        .await
        .expect("connect");

    let mut params = CallToolRequestParams::new("count")
        .with_arguments(json!({"n": 3}).as_object().unwrap().clone());
    params.set_progress_token(ProgressToken(NumberOrString::String("tok-1".into())));
    let result = client.call_tool(params).await.unwrap();
    assert_eq!(
        serde_json::to_value(&result).unwrap()["content"][0]["text"],
        "requested=true"
    );
    settle().await;
    {
        let progress = seen.progress.lock().unwrap();
        let steps: Vec<_> = progress.iter().map(|p| (p.progress, p.total)).collect();
        assert_eq!(
            steps,
            [(1.0, Some(3.0)), (2.0, Some(3.0)), (3.0, Some(3.0))]
        );
        let tokens: Vec<_> = progress.iter().map(|p| p.progress_token.clone()).collect();
        // (rmcp's client swaps the token it is given for its own counter)
        assert!(
            tokens.iter().all(|t| *t == tokens[0]),
            "one token: {tokens:?}"
        );
        assert_eq!(progress[2].message.as_deref(), Some("step 3"));
    }

    // rmcp's client always sends a token; a raw call without one gets no
    // progress notification at all.
    let raw = json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call",
        "params": {"name": "count", "arguments": {"n": 2}}});
    let response = mcp_clerk::testing::post(&server.url, None, &raw)
        .await
        .unwrap();
    let body = response.text().await.unwrap();
    assert!(body.contains("requested=false"), "{body}");
    assert!(!body.contains("notifications/progress"), "{body}");
    let raw = json!({"jsonrpc": "2.0", "id": 10, "method": "tools/call",
        "params": {"name": "count", "arguments": {"n": 2}, "_meta": {"progressToken": "raw-1"}}});
    let response = mcp_clerk::testing::post(&server.url, None, &raw)
        .await
        .unwrap();
    let body = response.text().await.unwrap();
    assert!(body.contains("requested=true"), "{body}");
    assert_eq!(body.matches("notifications/progress").count(), 2, "{body}");
    assert!(body.contains("\"progressToken\":\"raw-1\""), "{body}");
    client.cancel().await.unwrap();
    server.stop().await;
}

#[tokio::test]
async fn logs_follow_the_level_the_client_sets_per_session() {
    let server = start(
        McpServer::new("s", "1")
            .session_mode(SessionMode::Stateful)
            .tools(tools![count, chatty]),
    )
    .await;
    let connect = || async {
        let seen = Seen::default();
        let client = seen
            .clone()
            .serve(StreamableHttpClientTransport::from_uri(server.url.clone()))
            .await
            .expect("connect");
        (seen, client)
    };
    let (seen, client) = connect().await;
    let info = client.peer_info().expect("server info");
    assert!(info.capabilities.logging.is_some(), "logging is advertised");

    // Before any setLevel: info and above.
    client
        .call_tool(CallToolRequestParams::new("chatty"))
        .await
        .unwrap();
    settle().await;
    let levels = |seen: &Seen| -> Vec<LoggingLevel> {
        seen.logs.lock().unwrap().iter().map(|l| l.level).collect()
    };
    assert_eq!(levels(&seen), [LoggingLevel::Info, LoggingLevel::Error]);
    {
        let logs = seen.logs.lock().unwrap();
        assert_eq!(logs[0].logger.as_deref(), Some("chatty"));
        assert_eq!(logs[0].data, json!({"step": "info"}));
    }

    client
        .set_level(SetLevelRequestParams::new(LoggingLevel::Debug))
        .await
        .unwrap();
    client
        .call_tool(CallToolRequestParams::new("chatty"))
        .await
        .unwrap();
    settle().await;
    assert_eq!(
        levels(&seen).len(),
        5,
        "debug too after setLevel debug: {:?}",
        levels(&seen)
    );

    // Another session keeps its own level.
    let (other, other_client) = connect().await;
    other_client
        .set_level(SetLevelRequestParams::new(LoggingLevel::Error))
        .await
        .unwrap();
    other_client
        .call_tool(CallToolRequestParams::new("chatty"))
        .await
        .unwrap();
    client
        .call_tool(CallToolRequestParams::new("chatty"))
        .await
        .unwrap();
    settle().await;
    assert_eq!(levels(&other), [LoggingLevel::Error]);
    assert_eq!(levels(&seen).len(), 8, "the first session still gets debug");
    client.cancel().await.unwrap();
    other_client.cancel().await.unwrap();
    server.stop().await;
}

/// What `wait_for_cancel` saw: it started, then it was cancelled.
#[derive(Clone, Default)]
struct CancelSeen {
    started: Arc<tokio::sync::Notify>,
    cancelled: Arc<tokio::sync::Notify>,
}

/// Waits for the client to cancel it (at most 30 s).
#[tool]
async fn wait_for_cancel(
    ct: mcp_clerk::tool::inject::CancellationToken,
    State(seen): State<CancelSeen>,
) -> &'static str {
    seen.started.notify_one();
    tokio::select! {
        () = ct.cancelled() => {
            seen.cancelled.notify_one();
            "cancelled"
        }
        () = tokio::time::sleep(std::time::Duration::from_secs(30)) => "never cancelled",
    }
}

#[tokio::test]
async fn a_real_clients_cancellation_reaches_the_tool() {
    use mcp_clerk::__private::rmcp::model::{CallToolRequest, ClientRequest};
    use mcp_clerk::__private::rmcp::service::PeerRequestOptions;

    let seen = CancelSeen::default();
    let server = start(
        McpServer::new("s", "1")
            .session_mode(SessionMode::Stateful)
            .json_response(false)
            .state(seen.clone())
            .tools(tools![wait_for_cancel]),
    )
    .await;
    let client =
        ().serve(StreamableHttpClientTransport::from_uri(server.url.clone()))
            .await
            .expect("connect");
    let request = ClientRequest::CallToolRequest(CallToolRequest::new(CallToolRequestParams::new(
        "wait_for_cancel",
    )));
    let handle = client
        .peer()
        .send_cancellable_request(request, PeerRequestOptions::no_options())
        .await
        .unwrap();
    let bound = std::time::Duration::from_secs(10);
    tokio::time::timeout(bound, seen.started.notified())
        .await
        .expect("the tool started");
    handle
        .cancel(Some("the user changed their mind".into()))
        .await
        .unwrap();
    tokio::time::timeout(bound, seen.cancelled.notified())
        .await
        .expect("the tool saw the cancellation");
    client.cancel().await.unwrap();
    server.stop().await;
}
