//! Application state: `McpServer::state` values reach `State<T>` arguments
//! (several types side by side, shared across calls and with the
//! application), and a tool asking for a state the server lacks is a
//! `BuildError` naming the tool and the type.
#![cfg(feature = "testing")]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use mcp_clerk::prelude::*;
use mcp_clerk::testing::{TestIssuer, call_tool};
use mcp_clerk::{BuildError, ToolCall};
use serde_json::json;

use crate::http_support::start;

#[derive(Clone, Default)]
struct Counter(Arc<AtomicUsize>);

#[derive(Clone)]
struct Greeting(&'static str);

/// Counts calls (a shared counter) and greets the caller.
#[tool(auth = required)]
async fn visit(
    user: ClerkUser,
    State(counter): State<Counter>,
    greeting: State<Greeting>,
) -> String {
    let n = counter.0.fetch_add(1, Ordering::SeqCst) + 1;
    format!("{} {} #{n}", greeting.0.0, user.id())
}

/// Reads the counter only.
#[tool]
async fn visits(State(counter): State<Counter>) -> String {
    counter.0.load(Ordering::SeqCst).to_string()
}

fn text(answer: &serde_json::Value) -> &str {
    answer["result"]["content"][0]["text"].as_str().unwrap()
}

#[tokio::test]
async fn tools_share_the_servers_state_by_type() {
    let issuer = TestIssuer::start().await;
    let counter = Counter::default();
    let server = start(
        McpServer::new("s", "1")
            .clerk(issuer.config())
            .state(counter.clone())
            .state(Greeting("hello"))
            .tools(tools![visit, visits]),
    )
    .await;
    let alice = issuer.oauth_token("user_alice").sign();
    let bob = issuer.oauth_token("user_bob").sign();
    let a = call_tool(&server.url, Some(&alice), "visit", json!({}))
        .await
        .unwrap();
    assert_eq!(text(&a), "hello user_alice #1");
    let b = call_tool(&server.url, Some(&bob), "visit", json!({}))
        .await
        .unwrap();
    assert_eq!(text(&b), "hello user_bob #2");
    let n = call_tool(&server.url, None, "visits", json!({}))
        .await
        .unwrap();
    assert_eq!(text(&n), "2");
    // The application holds the same value.
    assert_eq!(counter.0.load(Ordering::SeqCst), 2);
    server.stop().await;
}

#[test]
fn a_missing_state_is_a_build_error_naming_the_tool_and_the_type() {
    let err = McpServer::new("s", "1")
        .state(Counter::default())
        .tools(tools![visits, visit])
        .clerk(
            mcp_clerk::ClerkConfig::builder()
                .issuer("https://example.clerk.accounts.dev")
                .build()
                .unwrap(),
        )
        .into_router()
        .unwrap_err();
    match &err {
        BuildError::MissingState { tool, type_name } => {
            assert_eq!(tool, "visit");
            assert!(type_name.ends_with("Greeting"), "{type_name}");
        }
        other => panic!("expected MissingState, got {other:?}"),
    }
    let message = err.to_string();
    assert!(
        message.contains("`visit`") && message.contains("Greeting"),
        "{message}"
    );
}

#[test]
fn hand_built_tools_declare_their_state() {
    let tool = ToolDef::new(
        mcp_clerk::__private::rmcp::model::Tool::new(
            "count",
            "Counts.",
            Arc::new(Default::default()),
        ),
        mcp_clerk::ToolPolicy::new(),
        |mut call: ToolCall| async move {
            use mcp_clerk::tool::inject::FromToolCall;
            let State(c) = State::<Counter>::from_tool_call(&mut call)?;
            let n = c.0.fetch_add(1, Ordering::SeqCst);
            Ok(
                mcp_clerk::__private::rmcp::model::CallToolResult::success(vec![
                    mcp_clerk::__private::rmcp::model::ContentBlock::text(n.to_string()),
                ])
                .into(),
            )
        },
    )
    .requires_state(mcp_clerk::tool::state::StateKey::of::<Counter>());
    assert_eq!(tool.required_states().len(), 1);
    let err = McpServer::new("s", "1")
        .tool(tool.clone())
        .into_router()
        .unwrap_err();
    assert!(matches!(err, BuildError::MissingState { .. }), "{err:?}");
    let _router = McpServer::new("s", "1")
        .state(Counter::default())
        .tool(tool)
        .into_router()
        .expect("built with the state");
}
