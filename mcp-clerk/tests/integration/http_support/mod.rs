//! Shared helpers for the `http_*` tests: hand-built tools, a server on an
//! ephemeral loopback port, and raw MCP requests.
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;

use mcp_clerk::__private::rmcp::model::{CallToolResult, ContentBlock, Tool};
use mcp_clerk::policy::{Requirement, ToolPolicy};
use mcp_clerk::{McpServer, ToolCall, ToolDef};
use serde_json::{Value, json};
use tokio::sync::oneshot;

#[allow(unused_imports)] // not every test file sends raw requests
pub use mcp_clerk::testing::ACCEPT;
pub const PRM_PATH: &str = "/.well-known/oauth-protected-resource/mcp";

/// A tool descriptor with an empty object input schema.
pub fn descriptor(name: &'static str, description: &'static str) -> Tool {
    let mut schema = serde_json::Map::new();
    schema.insert("type".into(), json!("object"));
    Tool::new(name, description, Arc::new(schema))
}

fn text(
    s: impl Into<String>,
) -> Result<
    mcp_clerk::__private::rmcp::model::CallToolResponse,
    mcp_clerk::__private::rmcp::ErrorData,
> {
    Ok(CallToolResult::success(vec![ContentBlock::text(s.into())]).into())
}

/// `ping`: public, answers `pong`.
pub fn ping() -> ToolDef {
    ToolDef::new(
        descriptor("ping", "Public ping."),
        ToolPolicy::new(),
        |_call: ToolCall| async { text("pong") },
    )
}

/// `whoami`: auth required, answers `<user id>|<org id or ->|<client id or ->`.
pub fn whoami() -> ToolDef {
    ToolDef::new(
        descriptor("whoami", "Who am I?"),
        ToolPolicy::new().auth(Requirement::Required),
        |call: ToolCall| async move {
            let user = call.user().map(|u| u.id().to_owned()).unwrap_or_default();
            let org = call.org().map(|o| o.id().to_owned()).unwrap_or("-".into());
            let client = call
                .user()
                .and_then(|u| u.client_id())
                .unwrap_or("-")
                .to_owned();
            text(format!("{user}|{org}|{client}"))
        },
    )
}

/// `notes`: needs scope `notes:read`.
pub fn notes() -> ToolDef {
    ToolDef::new(
        descriptor("notes", "Read notes."),
        ToolPolicy::new()
            .auth(Requirement::Required)
            .scope("notes:read"),
        |_call: ToolCall| async { text("notes") },
    )
}

/// `org_info`: needs an organization; answers its id.
pub fn org_info() -> ToolDef {
    ToolDef::new(
        descriptor("org_info", "The caller's organization."),
        ToolPolicy::new().org(Requirement::Required),
        |call: ToolCall| async move { text(call.org().map(|o| o.id().to_owned()).unwrap_or_default()) },
    )
}

/// `admin_only`: needs the org role admin.
pub fn admin_only() -> ToolDef {
    ToolDef::new(
        descriptor("admin_only", "Admins only."),
        ToolPolicy::new().role("admin"),
        |_call: ToolCall| async { text("admin") },
    )
}

/// `headers`: auth required; reports whether the tool can see an
/// `Authorization` header in the request parts (it must not).
pub fn headers_probe() -> ToolDef {
    ToolDef::new(
        descriptor("headers", "Reports request headers the tool sees."),
        ToolPolicy::new().auth(Requirement::Required),
        |call: ToolCall| async move {
            let parts = call
                .context()
                .extensions
                .get::<http::request::Parts>()
                .expect("request parts");
            let seen = parts.headers.contains_key(http::header::AUTHORIZATION);
            text(format!("authorization_visible={seen}"))
        },
    )
}

/// One tool of every policy the gate knows: public, auth, scopes, org, a
/// permission, a role, and one that echoes the headers it was called with.
pub fn every_kind_of_tool() -> [ToolDef; 6] {
    [
        ping(),
        whoami(),
        notes(),
        org_info(),
        admin_only(),
        headers_probe(),
    ]
}

/// `issuer`'s configuration, also accepting session tokens (roles and
/// permissions come from a session token's organization claims).
pub fn oauth_and_session_config(issuer: &mcp_clerk::testing::TestIssuer) -> mcp_clerk::ClerkConfig {
    issuer
        .config_builder()
        .accept([mcp_clerk::TokenKind::OAuth, mcp_clerk::TokenKind::Session])
        .build()
        .unwrap()
}

/// A running server.
pub struct Running {
    pub base: String,
    pub url: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

/// Serves `server` on `127.0.0.1:0`.
pub async fn start(server: McpServer) -> Running {
    let bound = server.bind("127.0.0.1:0").await.expect("bind");
    let addr = bound.local_addr();
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        bound
            .run_until(async move {
                let _ = rx.await;
            })
            .await
            .expect("serve");
    });
    Running {
        base: format!("http://{addr}"),
        url: format!("http://{addr}/mcp"),
        stop: Some(tx),
        task: Some(task),
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
}

/// A POST to `url` with the JSON content type and the MCP `Accept` header and
/// nothing else (no protocol version, no token): the start of a hand-built
/// MCP request.
pub fn mcp_post(url: &str) -> reqwest::RequestBuilder {
    client()
        .post(url)
        .header("content-type", "application/json")
        .header("accept", ACCEPT)
}

/// Sends `request`, with `token` as a bearer token when there is one.
pub async fn send_as(request: reqwest::RequestBuilder, token: Option<&str>) -> reqwest::Response {
    let request = match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    };
    request.send().await.expect("request")
}

/// A JSON-RPC request body.
pub fn rpc(method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
}

pub fn call(name: &str) -> Value {
    rpc("tools/call", json!({"name": name, "arguments": {}}))
}

pub fn initialize() -> Value {
    rpc(
        "initialize",
        json!({
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "test", "version": "0"}
        }),
    )
}

/// POSTs `body` to the MCP route (2025-11-25 headers) with an optional bearer token.
pub async fn post(url: &str, token: Option<&str>, body: &Value) -> reqwest::Response {
    mcp_clerk::testing::post(url, token, body)
        .await
        .expect("request")
}

/// The JSON-RPC message of a response (JSON or a one-event SSE stream).
pub async fn message(response: reqwest::Response) -> Value {
    mcp_clerk::testing::message(response)
        .await
        .expect("a JSON-RPC message")
}

/// The text of a `tools/call` result and its `isError` flag.
///
/// Panics when `message` is not a tool result with text content (a JSON-RPC
/// error, for example), so that no assertion on the pair can pass on one.
pub fn tool_text(message: &Value) -> (String, bool) {
    let result = &message["result"];
    let text = result["content"][0]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("not a tool result with text content: {message}"))
        .to_owned();
    (text, result["isError"].as_bool().unwrap_or(false))
}

/// Asserts that `response` is a 200 whose tool result is `expected`, not an error.
pub async fn assert_tool_answer(response: reqwest::Response, expected: &str) {
    assert_eq!(response.status(), 200);
    assert_eq!(
        tool_text(&message(response).await),
        (expected.to_owned(), false)
    );
}

/// The `WWW-Authenticate` header. Panics when the response has none (or more
/// than one), so that an assertion about its content cannot pass on a
/// response without a challenge.
pub fn challenge(response: &reqwest::Response) -> String {
    let mut all = response.headers().get_all("www-authenticate").iter();
    let value = all
        .next()
        .unwrap_or_else(|| panic!("{} response without WWW-Authenticate", response.status()));
    assert!(all.next().is_none(), "more than one WWW-Authenticate");
    let value = value.to_str().expect("ascii").to_owned();
    assert!(
        value.starts_with("Bearer "),
        "not a Bearer challenge: {value}"
    );
    value
}

/// The scopes of a challenge's `scope` parameter (panics without one).
pub fn challenge_scopes(challenge: &str) -> Vec<String> {
    let (_, rest) = challenge
        .split_once("scope=\"")
        .unwrap_or_else(|| panic!("no scope parameter: {challenge}"));
    let (scopes, _) = rest.split_once('"').expect("closing quote");
    scopes.split(' ').map(str::to_owned).collect()
}

/// Asserts that `challenge` asks for every scope in `needed`.
pub fn assert_scopes_include(challenge: &str, needed: &[&str]) {
    let asked = challenge_scopes(challenge);
    for scope in needed {
        assert!(
            asked.iter().any(|s| s == scope),
            "scope {scope} missing from {challenge}"
        );
    }
}
