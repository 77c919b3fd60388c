//! Every server example is started (through the function its binary calls)
//! on the local Clerk emulator and called once over real HTTP.

use mcp_clerk_examples::{Clerk, axum_app, organizations, quickstart};
use rmcp::ServiceExt as _;
use rmcp::model::CallToolRequestParams;
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::{Value, json};

async fn connect(url: &str, token: &str) -> RunningService<RoleClient, ()> {
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(url.to_owned()).auth_header(token.to_owned()),
    );
    ().serve(transport).await.expect("connect")
}

async fn call(client: &RunningService<RoleClient, ()>, name: &'static str, args: Value) -> Value {
    let mut params = CallToolRequestParams::new(name);
    if let Value::Object(map) = args {
        params = params.with_arguments(map);
    }
    serde_json::to_value(client.call_tool(params).await.expect("call")).unwrap()
}

async fn tool_names(client: &RunningService<RoleClient, ()>) -> Vec<String> {
    let mut names: Vec<String> = client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn quickstart_serves_its_tools_on_the_emulator() {
    let running = quickstart::start("127.0.0.1:0", Clerk::dev().await.unwrap())
        .await
        .unwrap();
    let token = quickstart::dev_token(&running)
        .unwrap()
        .expect("a dev token");
    let text = quickstart::instructions(&running, Some(&token));
    assert!(text.contains(&running.mcp_url));
    assert!(text.contains(&token));
    assert!(text.contains("@modelcontextprotocol/inspector@2.12.0 --cli"));
    assert!(text.contains("\"mcpServers\""));

    let anonymous = reqwest::Client::new()
        .post(&running.mcp_url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami"}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    let client = connect(&running.mcp_url, &token).await;
    // An OAuth token names the org but not the caller's permissions; the
    // gate looks the membership up in the (emulated) Backend API, so Alice,
    // an admin of Acme, sees and may call the permission tool.
    assert_eq!(
        tool_names(&client).await,
        ["create_project", "ping", "whoami"]
    );
    let me = call(&client, "whoami", json!({})).await;
    assert_eq!(me["structuredContent"]["user_id"], "user_alice");
    assert_eq!(me["structuredContent"]["org_id"], "org_acme");
    let pong = call(&client, "ping", json!({})).await;
    assert_eq!(pong["content"][0]["text"], "pong");
    let created = call(&client, "create_project", json!({"name": "site"})).await;
    assert_ne!(created["isError"], true, "{created}");
    client.cancel().await.unwrap();
    running.stop().await.unwrap();
}

#[tokio::test]
async fn axum_app_serves_its_routes_and_mcp_on_one_listener() {
    let running = axum_app::start("127.0.0.1:0", Clerk::dev().await.unwrap())
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let home = http
        .get(format!("{}/", running.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(home.text().await.unwrap(), "my existing app");
    let health: Value = http
        .get(format!("{}/health", running.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    let prm = http
        .get(format!(
            "{}/.well-known/oauth-protected-resource/mcp",
            running.base_url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(prm.status(), 200);

    let token = running
        .clerk
        .dev_server()
        .unwrap()
        .token("user_bob")
        .mint()
        .unwrap();
    let client = connect(&running.mcp_url, &token).await;
    let counted = call(&client, "count_notes", json!({})).await;
    assert!(
        counted["content"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("user_bob has")
    );
    client.cancel().await.unwrap();
    running.stop().await.unwrap();
}

#[tokio::test]
async fn organizations_checks_roles_and_permissions() {
    let running = organizations::start("127.0.0.1:0", Clerk::dev().await.unwrap())
        .await
        .unwrap();
    let dev = running.clerk.dev_server().unwrap();
    let admin = dev
        .token("user_alice")
        .org("org_acme")
        .session()
        .mint()
        .unwrap();
    let member = dev
        .token("user_bob")
        .org("org_acme")
        .session()
        .mint()
        .unwrap();
    let oauth = dev.token("user_bob").org("org_acme").mint().unwrap();

    let client = connect(&running.mcp_url, &admin).await;
    assert_eq!(
        tool_names(&client).await,
        ["archive_project", "list_projects", "my_organization"]
    );
    let archived = call(
        &client,
        "archive_project",
        json!({"project": "org_acme/website"}),
    )
    .await;
    assert_eq!(archived["content"][0]["text"], "archived org_acme/website");
    client.cancel().await.unwrap();

    let client = connect(&running.mcp_url, &member).await;
    // the member lacks the admin role: the tool is hidden and refused
    assert_eq!(
        tool_names(&client).await,
        ["list_projects", "my_organization"]
    );
    let refused = call(
        &client,
        "archive_project",
        json!({"project": "org_acme/website"}),
    )
    .await;
    assert_eq!(refused["isError"], true);
    let listed = call(&client, "list_projects", json!({})).await;
    assert_ne!(listed["isError"], true, "{listed}");
    client.cancel().await.unwrap();

    // An OAuth token carries only org_id: the gate completes the role and
    // permissions from the Backend API, so Bob is a plain member here too.
    let client = connect(&running.mcp_url, &oauth).await;
    assert_eq!(
        tool_names(&client).await,
        ["list_projects", "my_organization"]
    );
    let org = call(&client, "my_organization", json!({})).await;
    assert_eq!(org["structuredContent"]["id"], "org_acme");
    assert_eq!(org["structuredContent"]["permissions_known"], true, "{org}");
    assert_eq!(org["structuredContent"]["role"], "org:member", "{org}");
    client.cancel().await.unwrap();
    running.stop().await.unwrap();
}

/// With Clerk settings (here a `TestIssuer` standing in for a Clerk
/// instance), the quickstart trusts that issuer instead of starting the emulator.
#[tokio::test]
async fn quickstart_uses_the_configured_clerk_instance() {
    let issuer = mcp_clerk::testing::TestIssuer::start().await;
    let clerk = Clerk::Real(Box::new(issuer.config()));
    let running = quickstart::start("127.0.0.1:0", clerk).await.unwrap();
    assert!(quickstart::dev_token(&running).unwrap().is_none());
    let text = quickstart::instructions(&running, None);
    assert!(
        text.contains(issuer.issuer()) && !text.contains("local emulator"),
        "{text}"
    );

    let token = issuer
        .oauth_token("user_real")
        .scope("email profile")
        .sign();
    let client = connect(&running.mcp_url, &token).await;
    let me = call(&client, "whoami", json!({})).await;
    assert_eq!(me["structuredContent"]["user_id"], "user_real");
    client.cancel().await.unwrap();
    running.stop().await.unwrap();
}
