//! `#[tool_impl]` over loopback HTTP: methods share their value across calls
//! and callers, take the same injected arguments and policies as free
//! functions (per-caller lists, 401, role refusal), and a method asking for a
//! state the server lacks is a `BuildError`.
#![cfg(feature = "testing")]

use std::sync::Mutex;

use mcp_clerk::prelude::*;
use mcp_clerk::testing::{TestIssuer, call_tool};
use mcp_clerk::{BuildError, TokenKind};
use serde_json::{Value, json};

use crate::http_support::{post, rpc, start};

#[derive(Clone)]
struct Motto(&'static str);

/// A store owned by the tool type itself.
#[derive(Default)]
struct Board {
    posts: Mutex<Vec<String>>,
}

#[tool_impl]
impl Board {
    /// Posts a message as the signed-in user.
    #[tool(auth = required)]
    async fn post_message(&self, user: ClerkUser, text: String) -> String {
        let mut posts = self.posts.lock().unwrap();
        posts.push(format!("{}: {text}", user.id()));
        posts.len().to_string()
    }

    /// Reads every message (public).
    #[tool]
    fn read_all(&self) -> String {
        self.posts.lock().unwrap().join("\n")
    }

    /// Clears the board: organization admins only.
    #[tool(role = "admin")]
    async fn clear(&self, org: ClerkOrg, State(motto): State<Motto>) -> String {
        self.posts.lock().unwrap().clear();
        format!("{} cleared {}", org.id(), motto.0)
    }
}

fn text(answer: &Value) -> &str {
    answer["result"]["content"][0]["text"].as_str().unwrap()
}

fn names(list: &Value) -> Vec<&str> {
    list["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn methods_are_tools_under_the_same_policies() {
    let issuer = TestIssuer::start().await;
    let config = issuer
        .config_builder()
        .accept([TokenKind::OAuth, TokenKind::Session])
        .build()
        .unwrap();
    let server = start(
        McpServer::new("board", "1")
            .clerk(config)
            .state(Motto("for good"))
            .tools(Board::default().into_tools()),
    )
    .await;
    let alice = issuer.oauth_token("user_alice").sign();
    let bob = issuer.oauth_token("user_bob").sign();
    let admin = issuer
        .session_token("user_carol")
        .org("org_acme", "acme", "admin")
        .sign();

    // One shared value across callers.
    for (token, text_) in [(&alice, "hi"), (&bob, "yo")] {
        call_tool(
            &server.url,
            Some(token),
            "post_message",
            json!({"text": text_}),
        )
        .await
        .unwrap();
    }
    let all = call_tool(&server.url, None, "read_all", json!({}))
        .await
        .unwrap();
    assert_eq!(text(&all), "user_alice: hi\nuser_bob: yo");

    // Anonymous: 401 on the protected method, the public one runs.
    let r = post(
        &server.url,
        None,
        &rpc(
            "tools/call",
            json!({"name": "post_message", "arguments": {"text": "x"}}),
        ),
    )
    .await;
    assert_eq!(r.status(), 401);

    // Per-caller lists; the role-gated method is hidden from a member and
    // refused.
    let member = issuer
        .session_token("user_dave")
        .org("org_acme", "acme", "member")
        .sign();
    let list = mcp_clerk::testing::message(
        post(&server.url, Some(&member), &rpc("tools/list", json!({}))).await,
    )
    .await
    .unwrap();
    assert_eq!(names(&list), ["post_message", "read_all"]);
    let refused = call_tool(&server.url, Some(&member), "clear", json!({}))
        .await
        .unwrap();
    assert_eq!(refused["result"]["isError"], true);
    let cleared = call_tool(&server.url, Some(&admin), "clear", json!({}))
        .await
        .unwrap();
    assert_eq!(text(&cleared), "org_acme cleared for good");
    let all = call_tool(&server.url, None, "read_all", json!({}))
        .await
        .unwrap();
    assert_eq!(text(&all), "");
}

#[test]
fn a_method_needing_a_missing_state_is_a_build_error() {
    let built = McpServer::new("board", "1")
        .tools(Board::default().into_tools())
        .into_router();
    match built {
        Err(BuildError::MissingState { tool, type_name }) => {
            assert_eq!(tool, "clear");
            assert!(type_name.contains("Motto"), "{type_name}");
        }
        other => panic!("expected MissingState, got {:?}", other.err()),
    }
}
