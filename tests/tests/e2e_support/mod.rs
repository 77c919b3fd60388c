//! Helpers for the end-to-end tests: tools written with `#[tool]`, the real
//! server on an ephemeral loopback port, rmcp's client and raw HTTP requests.
#![allow(dead_code, unreachable_pub, missing_docs)]

use mcp_clerk::McpServer;
use mcp_clerk::prelude::*;
use rmcp::service::RunningService;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Value, json};
use tokio::sync::oneshot;

#[allow(unused_imports)] // not every test file sends raw requests
pub use mcp_clerk::testing::ACCEPT;

/// What `whoami` returns.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[schemars(crate = "mcp_clerk::schemars")]
pub struct Profile {
    pub user_id: String,
    pub client_id: Option<String>,
    pub org_id: Option<String>,
}

/// Who am I?
#[tool(auth = required, org = optional)]
pub async fn whoami(user: ClerkUser, org: Option<ClerkOrg>) -> Json<Profile> {
    Json(Profile {
        user_id: user.id().to_owned(),
        client_id: user.client_id().map(str::to_owned),
        org_id: org.map(|o| o.id().to_owned()),
    })
}

/// The caller's organization id.
#[tool(org = required)]
pub async fn org_id(org: ClerkOrg) -> String {
    org.id().to_owned()
}

/// Notes need the `notes:read` scope.
#[tool(auth = required, scopes("notes:read"))]
pub async fn read_notes(user: ClerkUser) -> String {
    format!("notes of {}", user.id())
}

/// Create a project (needs a permission).
#[tool(org = required, permission = "org:projects:create")]
pub async fn create_project(org: ClerkOrg, name: String) -> String {
    format!("{name} in {}", org.id())
}

/// Public.
#[tool]
pub async fn ping() -> &'static str {
    "pong"
}

/// A running server.
pub struct Served {
    pub base: String,
    pub url: String,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.abort();
    }
}

/// Serves `server` on `127.0.0.1:0`.
pub async fn serve(server: McpServer) -> Served {
    let bound = server.bind("127.0.0.1:0").await.expect("bind");
    let addr = bound.local_addr();
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = bound
            .run_until(async move {
                let _ = rx.await;
            })
            .await;
    });
    Served {
        base: format!("http://{addr}"),
        url: format!("http://{addr}/mcp"),
        stop: Some(tx),
        task,
    }
}

/// rmcp's own client over Streamable HTTP, with an optional bearer token.
pub async fn connect(
    url: &str,
    token: Option<&str>,
) -> Result<RunningService<RoleClient, ()>, rmcp::service::ClientInitializeError> {
    ().serve(transport(url, token)).await
}

/// rmcp's Streamable HTTP client transport, with an optional bearer token.
fn transport(url: &str, token: Option<&str>) -> StreamableHttpClientTransport<reqwest::Client> {
    let mut config = StreamableHttpClientTransportConfig::with_uri(url.to_owned());
    if let Some(token) = token {
        config = config.auth_header(token.to_owned());
    }
    StreamableHttpClientTransport::from_config(config)
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
}

/// The per-request `_meta` of the 2026-07-28 wire.
pub fn meta_2026() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "e2e", "version": "0"}
    })
}

/// A 2026-07-28 request: standard headers and `_meta`.
pub async fn post_2026(
    url: &str,
    token: Option<&str>,
    method: &str,
    name: Option<&str>,
    mut params: Value,
) -> reqwest::Response {
    params["_meta"] = meta_2026();
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let mut req = http()
        .post(url)
        .header("content-type", "application/json")
        .header("accept", ACCEPT)
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", method)
        .json(&body);
    if let Some(name) = name {
        req = req.header("mcp-name", name);
    }
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.expect("request")
}

/// A 2025-11-25 request (no session).
pub async fn post_2025(url: &str, token: Option<&str>, body: &Value) -> reqwest::Response {
    mcp_clerk::testing::post(url, token, body)
        .await
        .expect("request")
}

/// The JSON-RPC message of a JSON or single-event SSE response.
pub async fn message(response: reqwest::Response) -> Value {
    mcp_clerk::testing::message(response)
        .await
        .expect("json-rpc message")
}

/// The `WWW-Authenticate` header.
pub fn challenge(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// rmcp's own client on the 2026-07-28 wire: `server/discover` instead of
/// `initialize`, per-request `_meta` and `Mcp-Method`/`Mcp-Name` headers.
pub async fn connect_2026(
    url: &str,
    token: Option<&str>,
) -> Result<RunningService<RoleClient, ()>, rmcp::service::ClientInitializeError> {
    use rmcp::ClientServiceExt;
    ().serve_with_lifecycle(
        transport(url, token),
        rmcp::ClientLifecycleMode::Discover {
            preferred_versions: vec![rmcp::model::ProtocolVersion::V_2026_07_28],
        },
    )
    .await
}
