//! The official TypeScript SDK client (`@modelcontextprotocol/sdk@1.32.2`)
//! completes the whole OAuth flow against mcp-clerk servers and the local
//! Clerk emulator, headless: 401 → protected resource metadata →
//! authorization server metadata → dynamic registration → PKCE authorize →
//! token → `tools/call`; and a 403 `insufficient_scope` step-up.

mod clients_support;

use clients_support::{assert_in_order, node_script};
use mcp_clerk::McpServer;
use mcp_clerk::dev::DevClerk;
use mcp_clerk::prelude::*;
use mcp_clerk_examples::{Clerk, quickstart};
use serde_json::Value;

fn http_log(out: &Value) -> Vec<String> {
    out["http"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn ts_sdk_runs_the_full_flow_against_the_quickstart() {
    let dev = DevClerk::new().auto_consent(true).start().await.unwrap();
    let issuer = dev.issuer().to_owned();
    let running = quickstart::start("127.0.0.1:0", Clerk::Dev(dev))
        .await
        .unwrap();
    let out = node_script(
        "ts-client.mjs",
        &[
            "--url",
            &running.mcp_url,
            "--call",
            "whoami",
            "--call",
            "ping",
        ],
        &[],
    )
    .await
    .json();
    let http = http_log(&out);
    assert_in_order(
        &http,
        &[
            "POST /mcp 401",
            "GET /.well-known/oauth-protected-resource/mcp 200",
            "GET /.well-known/oauth-authorization-server 200",
            "POST /oauth/register 201",
            "GET /oauth/authorize 302",
            "POST /oauth/token 200",
            "POST /mcp 200",
        ],
    );
    assert_eq!(out["registrations"], 1);
    assert_eq!(out["authorizations"][0]["iss"], issuer);
    assert_eq!(
        out["authorizations"][0]["scope"],
        "email profile user:org:read"
    );
    let me = &out["results"]["whoami"]["structuredContent"];
    assert_eq!(me["user_id"], "user_alice");
    assert_eq!(me["org_id"], "org_acme");
    assert_eq!(
        me["scopes"],
        serde_json::json!(["email", "profile", "user:org:read"])
    );
    assert_eq!(out["results"]["ping"]["content"][0]["text"], "pong");
    running.stop().await.unwrap();
}

/// The active organization: needs an org, so an OAuth token without one gets
/// 403 `insufficient_scope` with `scope="user:org:read"`.
#[tool(org = required)]
async fn org_name(org: ClerkOrg) -> String {
    org.id().to_owned()
}

/// Who am I?
#[tool(auth = required)]
async fn me(user: ClerkUser) -> String {
    user.id().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn ts_sdk_steps_up_when_a_tool_needs_an_organization() {
    // No auto-consent: the script answers the emulator's consent page, first
    // without an organization (personal account), then choosing org_acme.
    let dev = DevClerk::new().start().await.unwrap();
    let config = dev
        .config_builder()
        .scopes(["email", "profile", "user:org:read"])
        .build()
        .unwrap();
    let bound = McpServer::new("step-up", "1")
        .clerk(config)
        .tools(tools![me, org_name])
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let url = format!("http://{}/mcp", bound.local_addr());
    let server = tokio::spawn(bound.run_until(std::future::pending()));

    let out = node_script(
        "ts-client.mjs",
        &[
            "--url",
            &url,
            "--call",
            "me",
            "--call",
            "org_name",
            "--consent",
            "user_bob:,user_bob:org_acme",
        ],
        &[],
    )
    .await
    .json();
    let http = http_log(&out);
    assert_in_order(
        &http,
        &[
            "POST /mcp 401",
            "POST /oauth/register 201",
            "GET /oauth/authorize 200",
            "POST /oauth/authorize 303",
            "POST /oauth/token 200",
            "POST /mcp 200",
            "POST /mcp 403",
            "GET /oauth/authorize 200",
            "POST /oauth/authorize 303",
            "POST /oauth/token 200",
            "POST /mcp 200",
        ],
    );
    assert_eq!(out["registrations"], 1, "step-up reuses the registration");
    assert_eq!(out["authorizations"][1]["scope"], "user:org:read");
    assert_eq!(out["results"]["me"]["content"][0]["text"], "user_bob");
    assert_eq!(out["results"]["org_name"]["content"][0]["text"], "org_acme");
    server.abort();
}

/// Clerk pins a dynamically registered client to the scopes it registered
/// with, and MCP clients register with the scopes of the first challenge. A
/// server that does not advertise `user:org:read` up front therefore cannot
/// step up to it: the authorize request fails with `invalid_scope`. (The
/// emulator reproduces this; the README tells users to advertise every scope
/// their tools need.)
#[tokio::test(flavor = "multi_thread")]
async fn step_up_beyond_the_registered_scopes_fails_like_at_clerk() {
    let dev = DevClerk::new().auto_consent(true).start().await.unwrap();
    let config = dev
        .config_builder()
        .scopes(["email", "profile"])
        .build()
        .unwrap();
    let bound = McpServer::new("pinned", "1")
        .clerk(config)
        .tools(tools![me, org_name])
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let url = format!("http://{}/mcp", bound.local_addr());
    let server = tokio::spawn(bound.run_until(std::future::pending()));

    let run = node_script(
        "ts-client.mjs",
        &["--url", &url, "--call", "me", "--call", "org_name"],
        &[],
    )
    .await;
    assert!(
        !run.status.success(),
        "the step-up must fail: {}",
        run.stdout
    );
    assert!(
        run.stderr.contains("invalid_scope") && run.stderr.contains("'user:org:read'"),
        "{}",
        run.stderr
    );
    server.abort();
}
