//! Every server example is started (through the function its binary calls)
//! on the local Clerk emulator and called once over real HTTP.

use mcp_clerk::dev::DevClerk;
use mcp_clerk_examples::{
    Clerk, REAL_CLERK_VARIABLES, axum_app, clerk_user_data, organizations, quickstart,
};
use rmcp::ServiceExt as _;
use rmcp::model::CallToolRequestParams;
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::{Value, json};

/// The JSON document printed after the line starting with `header`: from the
/// next line that starts with `{` to the first line that is `}`.
fn json_block_after(text: &str, header: &str) -> Value {
    let mut lines = text
        .lines()
        .skip_while(|l| !l.starts_with(header))
        .skip(1)
        .skip_while(|l| !l.starts_with('{'));
    let mut block = String::new();
    for line in lines.by_ref() {
        block.push_str(line);
        block.push('\n');
        if line == "}" {
            break;
        }
    }
    serde_json::from_str(&block).unwrap_or_else(|e| panic!("{header}: not JSON ({e}):\n{block}"))
}

/// The quickstart's printout: URL, token, Inspector commands, and the Claude
/// Desktop and Cursor configs, which must parse and point at `url`.
fn check_printout(text: &str, url: &str, token: Option<&str>) {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let has_line = |line: String| assert!(lines.contains(&line.as_str()), "{line:?} in:\n{text}");
    has_line(format!("MCP endpoint   {url}"));
    let inspector = "npx -y @modelcontextprotocol/inspector@2.12.0";
    // Inspector UI: the bare command, then where to connect
    has_line(format!("MCP Inspector UI:   {inspector}"));
    has_line(format!(
        "then connect to {url} (transport: Streamable HTTP)"
    ));
    // Inspector CLI running the OAuth flow itself
    has_line(format!(
        "MCP Inspector CLI:  {inspector} --cli {url} --transport http --method tools/list"
    ));
    match token {
        Some(token) => {
            has_line(format!("export TOKEN={token}"));
            // Inspector CLI with the ready token: list, then call whoami
            let with_token = format!("{inspector} --cli {url} --transport http \\");
            assert_eq!(
                lines.iter().filter(|l| **l == with_token).count(),
                2,
                "{text}"
            );
            let header = "--header \"Authorization: Bearer $TOKEN\" --method";
            has_line(format!("{header} tools/list"));
            has_line(format!("{header} tools/call --tool-name whoami"));
        }
        None => assert!(!text.contains("export TOKEN="), "{text}"),
    }
    let claude = json_block_after(text, "Claude Desktop (claude_desktop_config.json");
    assert_eq!(
        claude,
        json!({"mcpServers": {"quickstart": {"command": "npx", "args": ["-y", "mcp-remote@0.15.1", url]}}})
    );
    let cursor = json_block_after(text, "Cursor (~/.cursor/mcp.json)");
    assert_eq!(cursor, json!({"mcpServers": {"quickstart": {"url": url}}}));
}

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
    check_printout(&text, &running.mcp_url, Some(&token));

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

/// Clerk's `get-clerk-user-data` tool, ported: the caller read from the
/// emulator's Backend API, returned as structured output.
#[tokio::test]
async fn clerk_user_data_returns_the_caller_from_the_backend_api() {
    let running = clerk_user_data::start("127.0.0.1:0", Clerk::dev().await.unwrap())
        .await
        .unwrap();
    let dev = running.clerk.dev_server().unwrap();
    let token = dev.token("user_alice").mint().unwrap();
    let client = connect(&running.mcp_url, &token).await;
    assert_eq!(tool_names(&client).await, ["get-clerk-user-data"]);
    let result = call(&client, "get-clerk-user-data", json!({})).await;
    assert_ne!(result["isError"], true, "{result}");
    let user = &result["structuredContent"];
    assert_eq!(user["id"], "user_alice");
    assert_eq!(user["primary_email_address"], "alice@example.com");
    assert_eq!(
        user["email_addresses"][0]["email_address"],
        "alice@example.com"
    );
    assert_eq!(user["email_addresses"][0]["verified"], true);
    assert_eq!(
        (&user["first_name"], &user["last_name"], &user["username"]),
        (&json!("Alice"), &json!("Admin"), &json!("alice"))
    );
    assert!(user["created_at"].as_u64().is_some(), "{user}");
    assert!(user["public_metadata"].is_object(), "{user}");
    // The output schema the client saw describes the same fields.
    let tools = client.list_all_tools().await.unwrap();
    let schema = serde_json::to_value(&tools[0].output_schema).unwrap();
    assert!(
        schema["properties"]["primary_email_address"].is_object(),
        "{schema}"
    );
    // The Backend API was asked with the secret key, once.
    let log = dev.request_log();
    assert_eq!(
        log.iter()
            .filter(|l| *l == "GET /v1/users/user_alice 200")
            .count(),
        1,
        "{log:?}"
    );
    client.cancel().await.unwrap();
    running.stop().await.unwrap();

    // Without a secret key the server is not built, naming the tool.
    let issuer = mcp_clerk::testing::TestIssuer::start().await;
    let err = clerk_user_data::server(issuer.config())
        .into_router()
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("get-clerk-user-data") && message.contains("CLERK_SECRET_KEY"),
        "{message}"
    );
}

/// With Clerk settings (here a `TestIssuer` standing in for a Clerk
/// instance), the quickstart trusts that issuer instead of starting the emulator.
#[tokio::test]
async fn quickstart_uses_the_configured_clerk_instance() {
    let issuer = mcp_clerk::testing::TestIssuer::start().await;
    let clerk = Clerk::real(issuer.config());
    let running = quickstart::start("127.0.0.1:0", clerk).await.unwrap();
    assert!(quickstart::dev_token(&running).unwrap().is_none());
    let text = quickstart::instructions(&running, None);
    assert!(
        text.contains(issuer.issuer()) && !text.contains("local emulator"),
        "{text}"
    );
    check_printout(&text, &running.mcp_url, None);

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

fn lookup(pairs: Vec<(&'static str, String)>) -> impl Fn(&str) -> Option<String> {
    move |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    }
}

/// Clerk settings in the environment select real Clerk (here a second
/// emulator stands in for a Clerk instance); the quickstart then advertises
/// its own scopes unless `MCP_CLERK_SCOPES` says otherwise.
#[tokio::test]
async fn clerk_settings_select_real_clerk_with_the_quickstart_scopes() {
    let real = DevClerk::new().start().await.unwrap();
    let issuer = real.issuer().to_owned();

    for var in ["CLERK_FRONTEND_API_URL", "MCP_CLERK_FRONTEND_API_URL"] {
        let clerk = Clerk::from_env_with(lookup(vec![(var, issuer.clone())]), None)
            .await
            .unwrap();
        assert!(clerk.dev_server().is_none(), "{var}");
        assert_eq!(clerk.issuer(), issuer, "{var}");
        let config = clerk.config(quickstart::SCOPES).unwrap();
        assert_eq!(config.scopes_supported(), quickstart::SCOPES, "{var}");
    }
    let clerk = Clerk::from_env_with(
        lookup(vec![(
            "CLERK_PUBLISHABLE_KEY",
            "pk_test_Y2xlcmsuZXhhbXBsZS5jb20k".into(),
        )]),
        None,
    )
    .await
    .unwrap();
    assert_eq!(clerk.issuer(), "https://clerk.example.com");
    assert_eq!(REAL_CLERK_VARIABLES.len(), 3);

    // MCP_CLERK_SCOPES wins over the example's scopes
    let clerk = Clerk::from_env_with(
        lookup(vec![
            ("CLERK_FRONTEND_API_URL", issuer.clone()),
            ("MCP_CLERK_SCOPES", "email, profile".into()),
        ]),
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        clerk.config(quickstart::SCOPES).unwrap().scopes_supported(),
        ["email", "profile"]
    );

    // a broken setting is an error naming the variable, not the emulator
    let err = Clerk::from_env_with(
        lookup(vec![("CLERK_FRONTEND_API_URL", "not a url".into())]),
        None,
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("CLERK_FRONTEND_API_URL"), "{err}");

    // blank values count as unset: the emulator, configured by MCP_CLERK_DEV_*
    let clerk = Clerk::from_env_with(
        lookup(vec![
            ("CLERK_FRONTEND_API_URL", "  ".into()),
            ("CLERK_PUBLISHABLE_KEY", String::new()),
            ("MCP_CLERK_DEV_SECRET_KEY", "sk_test_from_env".into()),
        ]),
        None,
    )
    .await
    .unwrap();
    let dev = clerk.dev_server().expect("the emulator");
    assert_ne!(dev.issuer(), issuer);
    assert_eq!(dev.secret_key(), "sk_test_from_env");

    // the quickstart on "real Clerk": metadata and challenge carry its scopes,
    // and a token of that instance works
    let clerk = Clerk::from_env_with(
        lookup(vec![("CLERK_FRONTEND_API_URL", issuer.clone())]),
        None,
    )
    .await
    .unwrap();
    let running = quickstart::start("127.0.0.1:0", clerk).await.unwrap();
    assert!(quickstart::dev_token(&running).unwrap().is_none());
    let http = reqwest::Client::new();
    let prm: Value = http
        .get(format!(
            "{}/.well-known/oauth-protected-resource/mcp",
            running.base_url
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(prm["authorization_servers"], json!([issuer]));
    assert_eq!(prm["scopes_supported"], json!(quickstart::SCOPES));
    let challenge = mcp_clerk::testing::post(
        &running.mcp_url,
        None,
        &json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami"}}),
    )
    .await
    .unwrap();
    assert_eq!(challenge.status(), 401);
    let www = challenge.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        www.contains(&format!("scope=\"{}\"", quickstart::SCOPES.join(" "))),
        "{www}"
    );
    let token = real.token("user_bob").org("org_acme").mint().unwrap();
    let me = mcp_clerk::testing::call_tool(&running.mcp_url, Some(&token), "whoami", json!({}))
        .await
        .unwrap();
    assert_eq!(
        me["result"]["structuredContent"]["user_id"], "user_bob",
        "{me}"
    );
    assert_eq!(
        me["result"]["structuredContent"]["org_id"], "org_acme",
        "{me}"
    );
    running.stop().await.unwrap();
}
