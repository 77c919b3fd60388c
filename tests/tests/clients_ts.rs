//! The official TypeScript SDK client (`@modelcontextprotocol/sdk@1.32.2`)
//! completes the whole OAuth flow against mcp-clerk servers and the local
//! Clerk emulator, headless: 401 → protected resource metadata →
//! authorization server metadata → dynamic registration → PKCE authorize →
//! token → `tools/call`; and a 403 `insufficient_scope` step-up.

mod clients_support;

use clients_support::{Run, assert_in_order, assert_token_format, node_script};
use mcp_clerk::dev::{DevClerk, DevClerkServer, DevTokenFormat};
use mcp_clerk::prelude::*;
use mcp_clerk::{McpServer, ServeError};
use mcp_clerk_examples::{Clerk, quickstart};
use serde_json::Value;

/// Runs the TypeScript SDK client script with `args`.
async fn ts_client(args: &[&str]) -> Run {
    node_script("ts-client.mjs", args, &[]).await
}

/// Serves `tools` as `name` behind `dev`, advertising `scopes`, on an
/// ephemeral port; returns the MCP URL and the server task.
async fn serve(
    dev: &DevClerkServer,
    name: &str,
    scopes: &[&str],
    tools: impl IntoIterator<Item = ToolDef>,
) -> (String, tokio::task::JoinHandle<Result<(), ServeError>>) {
    let config = dev
        .config_builder()
        .scopes(scopes.iter().copied())
        .build()
        .unwrap();
    let bound = McpServer::new(name, "1")
        .clerk(config)
        .tools(tools)
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let url = format!("http://{}/mcp", bound.local_addr());
    (url, tokio::spawn(bound.run_until(std::future::pending())))
}

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
    ts_sdk_full_flow(DevTokenFormat::Jwt).await;
}

/// The same flow with a Clerk application that issues opaque `oat_…` tokens
/// (every application created before 2026): the quickstart verifies them
/// through the Backend API, and the client cannot tell.
#[tokio::test(flavor = "multi_thread")]
async fn ts_sdk_runs_the_full_flow_with_opaque_tokens() {
    ts_sdk_full_flow(DevTokenFormat::Opaque).await;
}

async fn ts_sdk_full_flow(format: DevTokenFormat) {
    let dev = DevClerk::new()
        .auto_consent(true)
        .token_format(format)
        .start()
        .await
        .unwrap();
    let issuer = dev.issuer().to_owned();
    let running = quickstart::start("127.0.0.1:0", Clerk::Dev(dev))
        .await
        .unwrap();
    let out = ts_client(&[
        "--url",
        &running.mcp_url,
        "--call",
        "whoami",
        "--call",
        "ping",
    ])
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
    assert_token_format(&running, format);
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
    let (url, server) = serve(
        &dev,
        "step-up",
        &["email", "profile", "user:org:read"],
        tools![me, org_name],
    )
    .await;

    let out = ts_client(&[
        "--url",
        &url,
        "--call",
        "me",
        "--call",
        "org_name",
        "--consent",
        "user_bob:,user_bob:org_acme",
    ])
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
    // The 403 lists the scopes the token already has plus the missing one,
    // so the SDK (which replaces its scope set) asks for all of them again.
    assert_eq!(
        scope_set(&out["authorizations"][1]["scope"]),
        ["email", "profile", "user:org:read"]
    );
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
    let (url, server) = serve(&dev, "pinned", &["email", "profile"], tools![me, org_name]).await;

    let run = ts_client(&["--url", &url, "--call", "me", "--call", "org_name"]).await;
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

/// Writes to a project: needs the custom `projects:write` scope.
#[tool(auth = required, scope = "projects:write")]
async fn write_project(user: ClerkUser) -> String {
    format!("{} wrote", user.id())
}

/// Reads the caller's email: needs the `email` scope the first token had.
#[tool(auth = required, scope = "email")]
async fn read_email(user: ClerkUser) -> String {
    format!("{} may read email", user.id())
}

/// The space-separated scopes of an authorization request, sorted.
fn scope_set(scope: &Value) -> Vec<&str> {
    let mut scopes: Vec<&str> = scope
        .as_str()
        .unwrap_or_else(|| panic!("no scope: {scope}"))
        .split(' ')
        .filter(|s| !s.is_empty())
        .collect();
    scopes.sort_unstable();
    scopes
}

/// A genuine scope step-up. The client was registered out of band with every
/// scope it may need (like an OAuth application created in the Clerk
/// dashboard), signs in with the scopes of the first challenge, and when a
/// tool needs `projects:write` the server answers 403 `insufficient_scope`;
/// the SDK re-authorizes and retries. The challenge lists the scopes the token
/// already had plus `projects:write` (TS SDK 1.32.2 replaces its scope set
/// with the challenge's), so a tool needing `email` still works afterwards
/// without another authorization.
#[tokio::test(flavor = "multi_thread")]
async fn ts_sdk_steps_up_to_a_scope_the_first_token_lacks() {
    let dev = DevClerk::new()
        .scope("projects:write")
        .auto_consent(true)
        .start()
        .await
        .unwrap();
    let registered: Value = reqwest::Client::new()
        .post(format!("{}/oauth/register", dev.issuer()))
        .json(&serde_json::json!({
            "client_name": "dashboard app",
            "redirect_uris": ["http://127.0.0.1:33418/oauth/callback"],
            "token_endpoint_auth_method": "none",
            "scope": "email profile projects:write",
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let client_id = registered["client_id"].as_str().unwrap().to_owned();
    let (url, server) = serve(
        &dev,
        "scoped",
        &["email", "profile"],
        tools![me, write_project, read_email],
    )
    .await;

    let out = ts_client(&[
        "--url",
        &url,
        "--client-id",
        &client_id,
        "--call",
        "me",
        "--call",
        "write_project",
        "--call",
        "read_email",
    ])
    .await
    .json();
    let http = http_log(&out);
    assert!(
        !http.iter().any(|l| l.starts_with("POST /oauth/register")),
        "{http:?}"
    );
    assert_in_order(
        &http,
        &[
            "POST /mcp 401",
            "GET /oauth/authorize 302",
            "POST /oauth/token 200",
            "POST /mcp 200",
            "POST /mcp 403",
            "GET /oauth/authorize 302",
            "POST /oauth/token 200",
            "POST /mcp 200",
            "POST /mcp 200",
        ],
    );
    assert_eq!(out["authorizations"][0]["scope"], "email profile");
    assert_eq!(
        scope_set(&out["authorizations"][1]["scope"]),
        ["email", "profile", "projects:write"],
        "the step-up keeps the scopes already granted"
    );
    assert_eq!(
        out["authorizations"].as_array().unwrap().len(),
        2,
        "no scope lost, so no third authorization: {http:?}"
    );
    assert_eq!(
        http.iter()
            .filter(|l| l.starts_with("POST /mcp 403"))
            .count(),
        1,
        "{http:?}"
    );
    assert_eq!(out["results"]["me"]["content"][0]["text"], "user_alice");
    assert_eq!(
        out["results"]["write_project"]["content"][0]["text"],
        "user_alice wrote"
    );
    assert_eq!(
        out["results"]["read_email"]["content"][0]["text"], "user_alice may read email",
        "a tool needing the originally granted scope still works after the step-up"
    );
    server.abort();
}
