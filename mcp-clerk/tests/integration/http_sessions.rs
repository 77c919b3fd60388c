//! Session limits over loopback: a principal at its cap loses its least
//! recently used session, anonymous sessions give way to signed-in ones, a
//! full server answers 503 with `Retry-After`, idle sessions end (busy ones do
//! not), and a server without a Clerk config is bounded too.
#![cfg(feature = "testing")]

use std::time::Duration;

use mcp_clerk::__private::rmcp::model::{CallToolResult, ContentBlock};
use mcp_clerk::policy::ToolPolicy;
use mcp_clerk::testing::TestIssuer;
use mcp_clerk::{McpServer, SessionLimits, SessionMode, ToolCall, ToolDef};
use serde_json::{Value, json};

use crate::http_support::{
    Running, call, client, descriptor, initialize, mcp_post, message, ping, post, send_as, start,
    tool_text, whoami,
};

/// `nap`: public, sleeps `ms` milliseconds, answers `rested`.
fn nap() -> ToolDef {
    ToolDef::new(
        descriptor("nap", "Sleeps a while."),
        ToolPolicy::new(),
        |call: ToolCall| async move {
            let ms = call
                .arguments()
                .and_then(|a| a.get("ms"))
                .and_then(Value::as_u64)
                .unwrap_or(0);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Ok(CallToolResult::success(vec![ContentBlock::text("rested")]).into())
        },
    )
}

async fn stateful(issuer: Option<&TestIssuer>, limits: SessionLimits) -> Running {
    let server = McpServer::new("s", "1")
        .session_mode(SessionMode::Stateful)
        .session_limits(limits);
    let server = match issuer {
        Some(issuer) => server
            .clerk(issuer.config())
            .tools([ping(), whoami(), nap()]),
        None => server.tools([ping(), nap()]),
    };
    start(server).await
}

/// Initializes a session (and sends `notifications/initialized`).
async fn open(url: &str, token: Option<&str>) -> String {
    let r = post(url, token, &initialize()).await;
    assert_eq!(r.status(), 200, "initialize");
    let id = r.headers()["mcp-session-id"].to_str().unwrap().to_owned();
    let _ = r.text().await;
    let r = in_session(
        url,
        token,
        &id,
        &json!({"jsonrpc":"2.0","method":"notifications/initialized"}),
    )
    .await;
    assert_eq!(r.status(), 202, "initialized");
    id
}

async fn in_session(url: &str, token: Option<&str>, id: &str, body: &Value) -> reqwest::Response {
    send_as(
        mcp_post(url)
            .header("mcp-protocol-version", "2025-11-25")
            .header("mcp-session-id", id)
            .json(body),
        token,
    )
    .await
}

/// Calls `tool` in session `id`: `Some(text)` on a result, `None` on 404.
async fn call_in(url: &str, token: Option<&str>, id: &str, tool: &str) -> Option<String> {
    let r = in_session(url, token, id, &call(tool)).await;
    if r.status() == 404 {
        return None;
    }
    assert_eq!(r.status(), 200, "call in a live session");
    Some(tool_text(&message(r).await).0)
}

#[tokio::test]
async fn a_principal_at_its_cap_loses_its_least_recently_used_session() {
    let issuer = TestIssuer::start().await;
    let server = stateful(Some(&issuer), SessionLimits::default().per_principal(2)).await;
    let (alice, bob) = (
        issuer.oauth_token("user_alice").sign(),
        issuer.oauth_token("user_bob").sign(),
    );
    let a1 = open(&server.url, Some(&alice)).await;
    let a2 = open(&server.url, Some(&alice)).await;
    let b1 = open(&server.url, Some(&bob)).await;
    // a1 used last: a2 is now the least recently used.
    assert!(
        call_in(&server.url, Some(&alice), &a1, "ping")
            .await
            .is_some()
    );
    let a3 = open(&server.url, Some(&alice)).await;
    assert_eq!(call_in(&server.url, Some(&alice), &a2, "ping").await, None);
    for id in [&a1, &a3] {
        let who = call_in(&server.url, Some(&alice), id, "whoami").await;
        assert!(who.unwrap().starts_with("user_alice|"));
    }
    let who = call_in(&server.url, Some(&bob), &b1, "whoami").await;
    assert!(who.unwrap().starts_with("user_bob|"), "others keep theirs");
    server.stop().await;
}

#[tokio::test]
async fn a_full_server_evicts_anonymous_sessions_then_answers_503() {
    let issuer = TestIssuer::start().await;
    let server = stateful(Some(&issuer), SessionLimits::default().max_sessions(2)).await;
    let token = |user: &str| issuer.oauth_token(user).sign();
    let anonymous = open(&server.url, None).await;
    let a = open(&server.url, Some(&token("user_a"))).await;
    let b = open(&server.url, Some(&token("user_b"))).await;
    assert_eq!(call_in(&server.url, None, &anonymous, "ping").await, None);

    let r = post(&server.url, Some(&token("user_c")), &initialize()).await;
    assert_eq!(r.status(), 503);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=300).contains(&retry), "Retry-After {retry}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["data"]["reason"], "too_many_sessions");
    assert_eq!(body["error"]["code"], -32000);
    let r = post(&server.url, None, &initialize()).await;
    assert_eq!(
        r.status(),
        503,
        "anonymous callers cannot evict signed-in sessions"
    );

    // Ending a session makes room.
    let r = client()
        .delete(&server.url)
        .header("mcp-session-id", &a)
        .bearer_auth(token("user_a"))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "DELETE: {}", r.status());
    let c = open(&server.url, Some(&token("user_c"))).await;
    assert!(
        call_in(&server.url, Some(&token("user_c")), &c, "whoami")
            .await
            .is_some()
    );
    assert!(
        call_in(&server.url, Some(&token("user_b")), &b, "whoami")
            .await
            .is_some()
    );
    server.stop().await;
}

#[tokio::test]
async fn a_caller_whose_sessions_are_all_busy_gets_429() {
    let issuer = TestIssuer::start().await;
    let server = stateful(Some(&issuer), SessionLimits::default().per_principal(1)).await;
    let token = issuer.oauth_token("user_a").sign();
    let busy = open(&server.url, Some(&token)).await;
    let nap = json!({"jsonrpc":"2.0","id":3,"method":"tools/call",
        "params":{"name":"nap","arguments":{"ms": 1500}}});
    let call = {
        let (url, token, busy) = (server.url.clone(), token.clone(), busy.clone());
        tokio::spawn(
            async move { message(in_session(&url, Some(&token), &busy, &nap).await).await },
        )
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = post(&server.url, Some(&token), &initialize()).await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(tool_text(&call.await.unwrap()).0, "rested");
    // Idle again: the next session replaces it.
    let next = open(&server.url, Some(&token)).await;
    assert_eq!(
        call_in(&server.url, Some(&token), &busy, "ping").await,
        None
    );
    assert!(
        call_in(&server.url, Some(&token), &next, "ping")
            .await
            .is_some()
    );
    server.stop().await;
}

#[tokio::test]
async fn idle_sessions_end_but_busy_ones_do_not() {
    let issuer = TestIssuer::start().await;
    let idle = Duration::from_millis(800);
    let server = stateful(Some(&issuer), SessionLimits::default().idle_timeout(idle)).await;
    let token = issuer.oauth_token("user_a").sign();
    let resting = open(&server.url, Some(&token)).await;
    let working = open(&server.url, Some(&token)).await;
    // A call three times longer than the idle timeout keeps its session.
    let nap = json!({"jsonrpc":"2.0","id":3,"method":"tools/call",
        "params":{"name":"nap","arguments":{"ms": 2400}}});
    let r = in_session(&server.url, Some(&token), &working, &nap).await;
    assert_eq!(r.status(), 200);
    assert_eq!(tool_text(&message(r).await).0, "rested");
    assert!(
        call_in(&server.url, Some(&token), &working, "ping")
            .await
            .is_some()
    );
    assert_eq!(
        call_in(&server.url, Some(&token), &resting, "ping").await,
        None,
        "idle for three timeouts"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_server_without_clerk_is_bounded_too() {
    let server = stateful(None, SessionLimits::default().max_sessions(3).anonymous(1)).await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(open(&server.url, None).await);
    }
    let mut live = Vec::new();
    for id in &ids {
        live.push(call_in(&server.url, None, id, "ping").await.is_some());
    }
    // Everyone is anonymous: the shared cap is the global cap, not 1.
    assert_eq!(live, [false, false, true, true, true]);
    server.stop().await;
}
