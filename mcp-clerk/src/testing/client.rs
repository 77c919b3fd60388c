//! Raw MCP requests for tests: a `tools/call` (or any JSON-RPC message) posted
//! the way a Streamable HTTP client sends it, and the answer read back whether
//! the server framed it as JSON or as a one-event SSE stream.

use serde_json::{Value, json};

/// The `Accept` header Streamable HTTP requires (both types, always).
pub const ACCEPT: &str = "application/json, text/event-stream";

/// Why a test request got no JSON-RPC message back.
///
/// A challenge is an error here, so a test can assert on it:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use mcp_clerk::testing::{TestClientError, TestIssuer, call_tool};
/// # use mcp_clerk::prelude::*;
/// # /// Who am I?
/// # #[tool(auth = required)]
/// # async fn whoami(user: ClerkUser) -> String { user.id().to_owned() }
/// # let issuer = TestIssuer::start().await;
/// # let server = McpServer::new("demo", "1").clerk(issuer.config()).tools(tools![whoami]);
/// # let bound = server.bind("127.0.0.1:0").await?;
/// # let url = format!("http://{}/mcp", bound.local_addr());
/// # tokio::spawn(bound.run_until(std::future::pending()));
///
/// // `whoami` needs a signed-in caller: without a token, the 401 challenge.
/// match call_tool(&url, None, "whoami", serde_json::json!({})).await {
///     Err(TestClientError::Status { status, .. }) => assert_eq!(status, 401),
///     other => panic!("expected a 401, got {other:?}"),
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TestClientError {
    /// The request could not be sent or its body read.
    #[error("HTTP request failed: {0}")]
    Http(#[from] reqwest::Error),
    /// The server answered with a status other than 200 (a 401 or 403 challenge, say).
    #[error("HTTP {status}: {body}")]
    Status {
        /// The response status.
        status: u16,
        /// The response body.
        body: String,
    },
    /// The body was neither a JSON-RPC message nor an SSE event carrying one.
    #[error("not a JSON-RPC message: {0}")]
    NotJsonRpc(String),
}

/// POSTs a JSON-RPC `body` to the MCP endpoint `url` with the 2025-11-25
/// headers and, when given, `Authorization: Bearer <token>`.
///
/// Unlike [`call_tool`], it returns the whole response, so a test can read
/// the status and headers, here the challenge an anonymous client starts from:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use mcp_clerk::testing::{TestIssuer, post};
/// use serde_json::json;
/// # use mcp_clerk::prelude::*;
/// # /// Who am I?
/// # #[tool(auth = required)]
/// # async fn whoami(user: ClerkUser) -> String { user.id().to_owned() }
/// # let issuer = TestIssuer::start().await;
/// # let server = McpServer::new("demo", "1").clerk(issuer.config()).tools(tools![whoami]);
/// # let bound = server.bind("127.0.0.1:0").await?;
/// # let url = format!("http://{}/mcp", bound.local_addr());
/// # tokio::spawn(bound.run_until(std::future::pending()));
///
/// let list = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"});
/// let response = post(&url, None, &list).await?;
/// assert_eq!(response.status(), 401);
/// let challenge = response.headers()["www-authenticate"].to_str()?;
/// assert!(challenge.contains("resource_metadata=\"http://127.0.0.1:"));
///
/// let token = issuer.oauth_token("user_1").sign();
/// assert_eq!(post(&url, Some(&token), &list).await?.status(), 200);
/// # Ok(()) }
/// ```
pub async fn post(
    url: &str,
    token: Option<&str>,
    body: &Value,
) -> Result<reqwest::Response, reqwest::Error> {
    let mut request = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header("accept", ACCEPT)
        .header("mcp-protocol-version", "2025-11-25")
        .json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await
}

/// The JSON-RPC message of a response: a JSON body, or the first `data:`
/// event of an SSE stream. The status is not checked.
///
/// The same assertions then hold whatever framing the server picked, here
/// a server that always streams SSE:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use mcp_clerk::testing::{message, post};
/// use serde_json::json;
/// # use mcp_clerk::prelude::*;
/// # /// Answers pong.
/// # #[tool]
/// # async fn ping() -> &'static str { "pong" }
/// # let server = McpServer::new("demo", "1").json_response(false).tools(tools![ping]);
/// # let bound = server.bind("127.0.0.1:0").await?;
/// # let url = format!("http://{}/mcp", bound.local_addr());
/// # tokio::spawn(bound.run_until(std::future::pending()));
///
/// let call = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
///                   "params": {"name": "ping", "arguments": {}}});
/// let response = post(&url, None, &call).await?;
/// assert!(response.headers()["content-type"].to_str()?.starts_with("text/event-stream"));
/// let answer = message(response).await?;
/// assert_eq!(answer["id"], 7);
/// assert_eq!(answer["result"]["content"][0]["text"], "pong");
/// # Ok(()) }
/// ```
pub async fn message(response: reqwest::Response) -> Result<Value, TestClientError> {
    let is_sse = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"));
    let text = response.text().await?;
    let json = if is_sse {
        text.lines()
            .filter_map(|line| line.strip_prefix("data:"))
            .map(str::trim)
            .find(|data| data.starts_with('{'))
            .ok_or_else(|| TestClientError::NotJsonRpc(text.clone()))?
    } else {
        text.as_str()
    };
    serde_json::from_str(json).map_err(|_| TestClientError::NotJsonRpc(text.clone()))
}

/// Calls tool `name` with `arguments` as the holder of `token` (stateless
/// servers need no `initialize`) and returns the JSON-RPC message.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use mcp_clerk::testing::{TestIssuer, call_tool};
/// use mcp_clerk::{ClerkUser, McpServer, ToolDef, ToolCall};
/// use mcp_clerk::policy::{Requirement, ToolPolicy};
/// use mcp_clerk::__private::rmcp::model::{CallToolResult, ContentBlock, Tool};
/// use serde_json::json;
///
/// let whoami = ToolDef::new(
///     Tool::new("whoami", "Who am I?", std::sync::Arc::new(Default::default())),
///     ToolPolicy::new().auth(Requirement::Required),
///     |call: ToolCall| async move {
///         let id = call.user().map(ClerkUser::id).unwrap_or_default().to_owned();
///         Ok(CallToolResult::success(vec![ContentBlock::text(id)]).into())
///     },
/// );
/// let issuer = TestIssuer::start().await;
/// let server = McpServer::new("demo", "1").clerk(issuer.config()).tool(whoami);
/// let bound = server.bind("127.0.0.1:0").await?;
/// let url = format!("http://{}/mcp", bound.local_addr());
/// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
/// let running = tokio::spawn(bound.run_until(async { let _ = stopped.await; }));
///
/// let token = issuer.oauth_token("user_42").sign();
/// let answer = call_tool(&url, Some(&token), "whoami", json!({})).await?;
/// assert_eq!(answer["result"]["content"][0]["text"], "user_42");
/// // Without a token the server answers with its 401 challenge.
/// assert!(call_tool(&url, None, "whoami", json!({})).await.is_err());
///
/// let _ = stop.send(());
/// running.await??;
/// # Ok(()) }
/// ```
pub async fn call_tool(
    url: &str,
    token: Option<&str>,
    name: &str,
    arguments: Value,
) -> Result<Value, TestClientError> {
    let body = json!({
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": name, "arguments": arguments},
    });
    let response = post(url, token, &body).await?;
    let status = response.status().as_u16();
    if status != 200 {
        let body = response.text().await.unwrap_or_default();
        return Err(TestClientError::Status { status, body });
    }
    message(response).await
}
