//! OAuth access tokens carry `org_id` only: with a secret key, the gate looks
//! the caller's role and permissions up in the Backend API (here the local
//! emulator's), and fails closed when it cannot.
#![cfg(all(feature = "testing", feature = "dev"))]

use crate::http_support::*;
use mcp_clerk::McpServer;
use mcp_clerk::dev::DevClerk;
use mcp_clerk::testing::TestIssuer;
use serde_json::json;

async fn tool_list(url: &str, token: &str) -> Vec<String> {
    let r = post(url, Some(token), &rpc("tools/list", json!({}))).await;
    let m = message(r).await;
    let mut names: Vec<String> = m["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn oauth_callers_get_their_org_role_from_the_backend_api() {
    let clerk = DevClerk::new().start().await.unwrap();
    let config = clerk.config_builder().build().unwrap();
    let server = start(
        McpServer::new("org-details", "1")
            .clerk(config)
            .tools([whoami(), admin_only()]),
    )
    .await;
    // Alice is an admin of Acme, Bob a member (the emulator's default directory).
    let alice = clerk.token("user_alice").org("org_acme").mint().unwrap();
    let bob = clerk.token("user_bob").org("org_acme").mint().unwrap();

    assert_eq!(
        tool_list(&server.url, &alice).await,
        ["admin_only", "whoami"]
    );
    let r = post(&server.url, Some(&alice), &call("admin_only")).await;
    assert_eq!(tool_text(&message(r).await), ("admin".to_owned(), false));

    assert_eq!(tool_list(&server.url, &bob).await, ["whoami"]);
    let r = post(&server.url, Some(&bob), &call("admin_only")).await;
    let (text, is_error) = tool_text(&message(r).await);
    assert!(is_error, "{text}");
}

#[tokio::test]
async fn without_a_secret_key_role_tools_stay_refused_and_without_the_backend_api_it_is_a_503() {
    let issuer = TestIssuer::start().await;
    let token = issuer
        .oauth_token("user_1")
        .scope("email user:org:read")
        .org_id("org_1")
        .sign();
    // No secret key: role and permissions are unknown (fail closed).
    let server = start(
        McpServer::new("org-details", "1")
            .clerk(issuer.config())
            .tools([whoami(), admin_only()]),
    )
    .await;
    assert_eq!(tool_list(&server.url, &token).await, ["whoami"]);
    let r = post(&server.url, Some(&token), &call("admin_only")).await;
    assert_eq!(r.status(), 200);
    let (text, is_error) = tool_text(&message(r).await);
    assert!(is_error, "{text}");
    server.stop().await;

    // A secret key, but the Backend API does not answer (closed port): the
    // membership cannot be checked, so nothing is decided on the token alone.
    let unreachable = issuer
        .config_builder()
        .secret_key("sk_test_unreachable")
        .api_url("http://127.0.0.1:1/v1")
        .build()
        .unwrap();
    let server = start(
        McpServer::new("org-details", "1")
            .clerk(unreachable)
            .tools([whoami(), admin_only()]),
    )
    .await;
    for body in [call("admin_only"), rpc("tools/list", json!({}))] {
        let r = post(&server.url, Some(&token), &body).await;
        assert_eq!(r.status(), 503);
        assert!(r.headers().contains_key("retry-after"));
    }
    server.stop().await;
}
