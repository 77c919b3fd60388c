//! End to end: `#[tool]` functions served by `McpServer` on an ephemeral
//! port, tokens from the testing issuer (real RSA key, real JWKS over HTTP),
//! and rmcp's own client over Streamable HTTP with a bearer token.

mod e2e_support;

use e2e_support::*;
use mcp_clerk::testing::TestIssuer;
use mcp_clerk::{McpServer, SessionMode, TokenKind, tools};
use rmcp::model::CallToolRequestParams;
use serde_json::{Value, json};

fn args(v: Value) -> rmcp::model::JsonObject {
    v.as_object().cloned().unwrap_or_default()
}

fn structured(result: &rmcp::model::CallToolResult) -> Value {
    serde_json::to_value(result).unwrap()
}

/// Calls the tool `name`, without arguments, through `client`.
async fn call(
    client: &rmcp::Peer<rmcp::RoleClient>,
    name: &'static str,
) -> Result<rmcp::model::CallToolResult, rmcp::ServiceError> {
    client.call_tool(CallToolRequestParams::new(name)).await
}

/// A session token for `user`, a member of org_1 whose `o:projects` feature
/// grants `create,read` under the permission bits `bits`.
fn project_member(issuer: &TestIssuer, user: &str, bits: &str) -> String {
    issuer
        .session_token(user)
        .org("org_1", "acme", "member")
        .org_features("o:projects", "create,read", bits)
        .sign()
}

/// Connects with `token` and calls `create_project` for a project "apollo".
async fn create_apollo(url: &str, token: &str) -> rmcp::model::CallToolResult {
    let client = connect(url, Some(token)).await.unwrap();
    client
        .call_tool(
            CallToolRequestParams::new("create_project")
                .with_arguments(args(json!({"name": "apollo"}))),
        )
        .await
        .unwrap()
}

/// The 2025-11-25 `initialize` request body.
fn initialize_2025() -> Value {
    json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
        "protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"e2e","version":"0"}}})
}

/// A 2025-11-25 `tools/call` of `whoami`.
fn call_whoami_2025() -> Value {
    json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"whoami","arguments":{}}})
}

async fn server(issuer: &TestIssuer, mode: SessionMode) -> Served {
    let config = issuer
        .config_builder()
        .accept([TokenKind::OAuth, TokenKind::Session])
        .scopes(["email", "profile", "user:org:read"])
        .build()
        .unwrap();
    serve(
        McpServer::new("e2e", "1.0.0")
            .clerk(config)
            .session_mode(mode)
            .tools(tools![whoami, org_id, read_notes, create_project, ping]),
    )
    .await
}

#[tokio::test]
async fn whoami_and_org_tool_over_the_rmcp_client() {
    let issuer = TestIssuer::start().await;
    for mode in [SessionMode::Stateless, SessionMode::Stateful] {
        let served = server(&issuer, mode).await;
        let token = issuer
            .oauth_token("user_e2e")
            .client_id("client_e2e")
            .scope("email user:org:read")
            .org_id("org_e2e")
            .sign();
        let client = connect(&served.url, Some(&token)).await.expect("connect");
        let info = client.peer_info().expect("server info");
        assert_eq!(
            info.server_info.as_ref().map(|i| i.name.as_str()),
            Some("e2e")
        );
        let names: Vec<String> = client
            .list_all_tools()
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.name.into_owned())
            .collect();
        // create_project is hidden: an OAuth token carries no org permissions
        assert_eq!(
            names,
            ["whoami", "org_id", "read_notes", "ping"],
            "{mode:?}"
        );

        let r = call(&client, "whoami").await.unwrap();
        let v = structured(&r);
        assert_eq!(
            v["structuredContent"],
            json!({"user_id": "user_e2e", "client_id": "client_e2e", "org_id": "org_e2e"}),
            "{mode:?}"
        );
        let r = call(&client, "org_id").await.unwrap();
        assert_eq!(structured(&r)["content"][0]["text"], "org_e2e");
        client.cancel().await.unwrap();
    }
}

#[tokio::test]
async fn step_up_403_reaches_the_rmcp_client() {
    let issuer = TestIssuer::start().await;
    let served = server(&issuer, SessionMode::Stateless).await;
    let token = issuer.oauth_token("user_e2e").scope("email").sign();
    let client = connect(&served.url, Some(&token)).await.expect("connect");
    let err = call(&client, "read_notes").await.unwrap_err();
    let text = format!("{err:?}");
    assert!(text.contains("InsufficientScope"), "{text}");
    assert!(text.contains("notes:read"), "{text}");
    // an org tool without an org asks for user:org:read
    let err = call(&client, "org_id").await.unwrap_err();
    assert!(format!("{err:?}").contains("user:org:read"));
    // after stepping up (a token with the scope) the call works
    let token = issuer
        .oauth_token("user_e2e")
        .scope("email notes:read")
        .sign();
    let client = connect(&served.url, Some(&token)).await.expect("connect");
    let r = call(&client, "read_notes").await.unwrap();
    assert_eq!(structured(&r)["content"][0]["text"], "notes of user_e2e");
}

#[tokio::test]
async fn permissions_come_from_session_tokens_and_forbid_with_a_tool_error() {
    let issuer = TestIssuer::start().await;
    let served = server(&issuer, SessionMode::Stateless).await;
    let creator = project_member(&issuer, "user_c", "3");
    let r = create_apollo(&served.url, &creator).await;
    assert_eq!(structured(&r)["content"][0]["text"], "apollo in org_1");
    let viewer = project_member(&issuer, "user_v", "2");
    let r = create_apollo(&served.url, &viewer).await;
    assert_eq!(r.is_error, Some(true));
}

#[tokio::test]
async fn mixed_mode_anonymous_client_and_mid_session_challenge() {
    let issuer = TestIssuer::start().await;
    let served = server(&issuer, SessionMode::Stateful).await;
    let client = connect(&served.url, None).await.expect("anonymous connect");
    let r = call(&client, "ping").await.unwrap();
    assert_eq!(structured(&r)["content"][0]["text"], "pong");
    let err = call(&client, "whoami").await.unwrap_err();
    let text = format!("{err:?}");
    assert!(text.contains("AuthRequired"), "{text}");
    assert!(text.contains("resource_metadata="), "{text}");
    assert!(
        !text.contains("error=\\\"invalid_token"),
        "no credentials, no error code"
    );
}

#[tokio::test]
async fn an_all_auth_server_refuses_anonymous_connect() {
    let issuer = TestIssuer::start().await;
    let served = serve(
        McpServer::new("private", "1")
            .clerk(issuer.config())
            .tools(tools![whoami]),
    )
    .await;
    let err = connect(&served.url, None).await.unwrap_err();
    assert!(format!("{err:?}").contains("AuthRequired"), "{err:?}");
    // the metadata the challenge points at is there, with the issuer
    let prm: Value = http()
        .get(format!(
            "{}/.well-known/oauth-protected-resource/mcp",
            served.base
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(prm["authorization_servers"][0], issuer.issuer());
    assert_eq!(prm["resource"], served.url.as_str());
}

#[tokio::test]
async fn session_binding_over_the_wire() {
    let issuer = TestIssuer::start().await;
    let served = server(&issuer, SessionMode::Stateful).await;
    let alice = issuer.oauth_token("user_alice").sign();
    let bob = issuer.oauth_token("user_bob").sign();
    let init = initialize_2025();
    let r = post_2025(&served.url, Some(&alice), &init).await;
    let session = r.headers()["mcp-session-id"].to_str().unwrap().to_owned();
    drop(r);
    let call = call_whoami_2025();
    let as_user = |token: String| {
        let url = served.url.clone();
        let session = session.clone();
        let call = call.clone();
        async move {
            http()
                .post(&url)
                .header("content-type", "application/json")
                .header("accept", ACCEPT)
                .header("mcp-protocol-version", "2025-11-25")
                .header("mcp-session-id", session)
                .bearer_auth(token)
                .json(&call)
                .send()
                .await
                .unwrap()
        }
    };
    let r = as_user(bob).await;
    assert_eq!(r.status(), 404, "bob cannot use alice's session");
    let r = as_user(alice).await;
    assert_eq!(r.status(), 200);
    let m = message(r).await;
    assert_eq!(m["result"]["structuredContent"]["user_id"], "user_alice");
}

#[tokio::test]
async fn protocol_2025_11_25_and_2026_07_28() {
    let issuer = TestIssuer::start().await;
    let served = server(&issuer, SessionMode::Stateless).await;
    let token = issuer.oauth_token("user_v").sign();

    // 2025-11-25: initialize, then calls without a session (stateless)
    let init = initialize_2025();
    let m = message(post_2025(&served.url, Some(&token), &init).await).await;
    assert_eq!(m["result"]["protocolVersion"], "2025-11-25");
    let call = call_whoami_2025();
    let m = message(post_2025(&served.url, Some(&token), &call).await).await;
    assert_eq!(m["result"]["structuredContent"]["user_id"], "user_v");

    // 2026-07-28: no initialize; per-request _meta and standard headers
    let r = post_2026(
        &served.url,
        Some(&token),
        "server/discover",
        None,
        json!({}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let m = message(r).await;
    assert!(
        m["result"]["supportedVersions"]
            .as_array()
            .is_some_and(|v| v.iter().any(|x| x == "2026-07-28")),
        "{m}"
    );
    let r = post_2026(
        &served.url,
        Some(&token),
        "tools/call",
        Some("whoami"),
        json!({"name": "whoami", "arguments": {}}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let m = message(r).await;
    assert_eq!(m["result"]["structuredContent"]["user_id"], "user_v");
    let r = post_2026(
        &served.url,
        None,
        "tools/call",
        Some("whoami"),
        json!({"name": "whoami", "arguments": {}}),
    )
    .await;
    assert_eq!(r.status(), 401);
    assert!(challenge(&r).contains("resource_metadata="));
    let r = post_2026(&served.url, Some(&token), "tools/list", None, json!({})).await;
    let m = message(r).await;
    assert_eq!(m["result"]["cacheScope"], "private", "{m}");
}

/// rmcp's own client on the 2026-07-28 wire (`server/discover`, no
/// `initialize`, `Mcp-Method`/`Mcp-Name` headers on every request): the gate
/// reads what a request targets from those headers.
#[tokio::test]
async fn rmcp_client_on_the_2026_07_28_wire() {
    use std::sync::{Arc, Mutex};

    let issuer = TestIssuer::start().await;
    let config = issuer
        .config_builder()
        .scopes(["email", "profile", "user:org:read"])
        .build()
        .unwrap();
    let router = McpServer::new("e2e", "1.0.0")
        .clerk(config)
        .tools(tools![whoami, read_notes, ping])
        .into_router()
        .unwrap();
    // record (status, Mcp-Method, Mcp-Name) of every request the client sends
    let seen: Arc<Mutex<Vec<(u16, String, String)>>> = Arc::default();
    let record = seen.clone();
    let router = router.layer(axum::middleware::from_fn(
        move |request: axum::extract::Request, next: axum::middleware::Next| {
            let record = record.clone();
            async move {
                let (method, name) = {
                    let header = |name: &str| {
                        request
                            .headers()
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("")
                            .to_owned()
                    };
                    (header("mcp-method"), header("mcp-name"))
                };
                let response = next.run(request).await;
                record
                    .lock()
                    .unwrap()
                    .push((response.status().as_u16(), method, name));
                response
            }
        },
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    let task = tokio::spawn(async move { axum::serve(listener, router).await });

    let token = issuer
        .oauth_token("user_2026")
        .client_id("client_2026")
        .sign();
    let client = connect_2026(&url, Some(&token)).await.expect("discover");
    assert_eq!(
        client.peer_info().map(|i| i.protocol_version.clone()),
        Some(rmcp::model::ProtocolVersion::V_2026_07_28)
    );
    let r = call(&client, "whoami").await.unwrap();
    assert_eq!(structured(&r)["structuredContent"]["user_id"], "user_2026");
    // a step-up: the 403 reaches the client, asking for the token's scopes
    // plus the missing one
    let err = call(&client, "read_notes").await.unwrap_err();
    let text = format!("{err:?}");
    assert!(text.contains("InsufficientScope"), "{text}");
    assert!(text.contains("email profile notes:read"), "{text}");
    client.cancel().await.unwrap();

    // anonymous: the public tool works, the protected one is challenged
    let anonymous = connect_2026(&url, None).await.expect("discover");
    let r = call(&anonymous, "ping").await.unwrap();
    assert_eq!(structured(&r)["content"][0]["text"], "pong");
    let err = call(&anonymous, "whoami").await.unwrap_err();
    assert!(format!("{err:?}").contains("AuthRequired"), "{err:?}");
    anonymous.cancel().await.unwrap();

    let seen = seen.lock().unwrap().clone();
    let calls = |status: u16, name: &str| {
        seen.iter()
            .any(|(s, m, n)| *s == status && m == "tools/call" && n == name)
    };
    assert!(calls(200, "whoami"), "{seen:?}");
    assert!(calls(403, "read_notes"), "{seen:?}");
    assert!(calls(200, "ping"), "{seen:?}");
    assert!(calls(401, "whoami"), "{seen:?}");
    assert!(
        seen.iter().any(|(_, m, _)| m == "server/discover"),
        "{seen:?}"
    );
    task.abort();
}
