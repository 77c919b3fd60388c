//! The McpServer builder: errors, merging into an existing axum app, server
//! info, public-only servers, the rmcp client over HTTP, graceful shutdown.
#![cfg(feature = "testing")]

use std::time::Duration;

use crate::http_support::*;
use mcp_clerk::__private::rmcp::ServiceExt;
use mcp_clerk::__private::rmcp::model::CallToolRequestParams;
use mcp_clerk::__private::rmcp::transport::StreamableHttpClientTransport;
use mcp_clerk::__private::rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use mcp_clerk::policy::ToolPolicy;
use mcp_clerk::testing::TestIssuer;
use mcp_clerk::{BuildError, McpServer, SessionMode};
use serde_json::json;

#[tokio::test]
async fn builder_errors() {
    let issuer = TestIssuer::start().await;
    let err = McpServer::new("s", "1")
        .clerk(issuer.config())
        .tools([ping(), whoami(), ping()])
        .into_router()
        .unwrap_err();
    assert!(
        matches!(&err, BuildError::DuplicateTool(n) if n == "ping"),
        "{err}"
    );

    let err = McpServer::new("s", "1")
        .tools([ping(), whoami()])
        .into_router()
        .unwrap_err();
    assert!(
        matches!(&err, BuildError::MissingConfig(n) if n == "whoami"),
        "{err}"
    );
    assert!(err.to_string().contains(".clerk("));

    for bad in ["mcp", "/", "/mcp/"] {
        let err = McpServer::new("s", "1")
            .tools([ping()])
            .mcp_path(bad)
            .into_router()
            .unwrap_err();
        assert!(matches!(err, BuildError::InvalidPath(_)), "{bad}");
    }
    let err = McpServer::new("s", "1")
        .tools([ping()])
        .allowed_origins(["not an origin"])
        .into_router()
        .unwrap_err();
    assert!(matches!(err, BuildError::InvalidOrigin(_)));
    let err = McpServer::new("s", "1")
        .clerk(issuer.config())
        .tools([ping()])
        .rmcp_handler(PlainHandler)
        .into_router()
        .unwrap_err();
    assert!(matches!(err, BuildError::ToolsAndHandler));
}

#[derive(Clone)]
struct PlainHandler;
impl mcp_clerk::__private::rmcp::ServerHandler for PlainHandler {}

#[tokio::test]
async fn into_router_merges_into_an_existing_app() {
    let issuer = TestIssuer::start().await;
    let mcp = McpServer::new("merged", "2.0.0")
        .instructions("Use whoami.")
        .clerk(issuer.config())
        .tools([ping(), whoami()])
        .mcp_path("/api/mcp")
        .into_router()
        .unwrap();
    let app = axum::Router::new()
        .route("/health", axum::routing::get(|| async { "ok" }))
        .merge(mcp);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let health = client().get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(health.text().await.unwrap(), "ok");
    let r = post(&format!("{base}/api/mcp"), None, &initialize()).await;
    assert_eq!(r.status(), 200);
    let m = message(r).await;
    let result = &m["result"];
    assert_eq!(result["serverInfo"]["name"], "merged");
    assert_eq!(result["serverInfo"]["version"], "2.0.0");
    assert_eq!(result["instructions"], "Use whoami.");
    assert!(result["capabilities"]["tools"].is_object());
    let prm = client()
        .get(format!(
            "{base}/.well-known/oauth-protected-resource/api/mcp"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(prm.status(), 200);
    let doc: serde_json::Value = prm.json().await.unwrap();
    assert_eq!(doc["resource"], format!("{base}/api/mcp"));
}

#[tokio::test]
async fn public_server_needs_no_config() {
    let server = start(McpServer::new("public", "1").tools([ping()])).await;
    let r = post(&server.url, None, &call("ping")).await;
    assert_eq!(tool_text(&message(r).await), ("pong".to_owned(), false));
    // no discovery routes without auth
    let r = client()
        .get(format!("{}{PRM_PATH}", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // a tool made public with with_policy is served anonymously
    let server =
        start(McpServer::new("public", "1").tools([whoami().with_policy(ToolPolicy::new())])).await;
    let r = post(&server.url, None, &call("whoami")).await;
    assert!(!tool_text(&message(r).await).1);
    // a token sent to a public server is not forwarded to its tools either
    let server = start(
        McpServer::new("public", "1").tools([headers_probe().with_policy(ToolPolicy::new())]),
    )
    .await;
    let r = post(&server.url, Some("some-opaque-token"), &call("headers")).await;
    assert_eq!(
        tool_text(&message(r).await),
        ("authorization_visible=false".to_owned(), false)
    );
}

#[tokio::test]
async fn rmcp_client_with_bearer_token() {
    let issuer = TestIssuer::start().await;
    let server = start(
        McpServer::new("s", "1")
            .clerk(issuer.config())
            .tools([ping(), whoami()]),
    )
    .await;
    let token = issuer.oauth_token("user_rmcp").sign();
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(server.url.clone()).auth_header(token),
    );
    let client = ().serve(transport).await.expect("connect");
    let tools = client.list_all_tools().await.unwrap();
    assert_eq!(tools.len(), 2);
    let result = client
        .call_tool(CallToolRequestParams::new("whoami"))
        .await
        .unwrap();
    let text = serde_json::to_value(&result).unwrap();
    assert!(
        text["content"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("user_rmcp|")
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn graceful_shutdown_ends_open_streams() {
    let issuer = TestIssuer::start().await;
    let server = McpServer::new("s", "1")
        .clerk(issuer.config())
        .session_mode(SessionMode::Stateful)
        .tools([whoami()]);
    let bound = server.bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", bound.local_addr());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(bound.run_until(async move {
        let _ = rx.await;
    }));
    let token = issuer.oauth_token("user_1").sign();
    let r = post(&url, Some(&token), &initialize()).await;
    let session = r.headers()["mcp-session-id"].to_str().unwrap().to_owned();
    let _ = r.text().await;
    let _ = client()
        .post(&url)
        .header("content-type", "application/json")
        .header("accept", ACCEPT)
        .header("mcp-session-id", &session)
        .bearer_auth(&token)
        .json(&json!({"jsonrpc":"2.0","method":"notifications/initialized"}))
        .send()
        .await
        .unwrap();
    // a standalone SSE stream that would otherwise stay open
    let stream = client()
        .get(&url)
        .header("accept", "text/event-stream")
        .header("mcp-session-id", &session)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    tx.send(()).unwrap();
    let done = tokio::time::timeout(Duration::from_secs(10), task).await;
    assert!(
        matches!(done, Ok(Ok(Ok(())))),
        "server stopped gracefully: {done:?}"
    );
    drop(stream);
}
