//! How to test your own tools with `mcp_clerk::testing` (feature `testing`):
//!
//! 1. call the `#[tool]` function directly with a verified caller, and
//! 2. serve the tools and call them over real HTTP with an rmcp client,
//!    holding tokens minted by `TestIssuer` (a real RSA key behind a real JWKS).

use mcp_clerk::testing::TestIssuer;
use mcp_clerk::{TokenKind, Verifier};
use mcp_clerk_examples::quickstart;
use rmcp::ServiceExt as _;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;

#[tokio::test]
async fn call_the_tool_function_directly() {
    let issuer = TestIssuer::start().await;
    let verifier = Verifier::new(&issuer.config()).unwrap();
    let token = issuer
        .oauth_token("user_42")
        .scope("email profile")
        .org_id("org_7")
        .sign();
    let caller = verifier.verify(&token).await.unwrap();

    let profile = quickstart::whoami(caller.user().clone(), caller.org().cloned())
        .await
        .0;
    assert_eq!(profile.user_id, "user_42");
    assert_eq!(profile.org_id.as_deref(), Some("org_7"));
    assert_eq!(profile.scopes, ["email", "profile"]);
}

#[tokio::test]
async fn validation_errors_are_tool_errors() {
    let issuer = TestIssuer::start().await;
    let verifier = Verifier::new(
        &issuer
            .config_builder()
            .accept([TokenKind::OAuth, TokenKind::Session])
            .build()
            .unwrap(),
    )
    .unwrap();
    let token = issuer
        .session_token("user_1")
        .org("org_1", "acme", "admin")
        .org_permissions(&["org:projects:create"])
        .sign();
    let caller = verifier.verify(&token).await.unwrap();
    let org = caller.org().cloned().unwrap();
    let Err(err) =
        quickstart::create_project(caller.user().clone(), org.clone(), "  ".into()).await
    else {
        panic!("a blank name must be refused");
    };
    assert!(err.to_string().contains("1 to 100"), "{err}");
    let ok = quickstart::create_project(caller.user().clone(), org, "site".into())
        .await
        .unwrap();
    assert_eq!(ok.0.org_id, "org_1");
}

#[tokio::test]
async fn call_the_served_tools_as_a_given_user() {
    let issuer = TestIssuer::start().await;
    let bound = quickstart::server(issuer.config())
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let url = format!("http://{}/mcp", bound.local_addr());
    let server = tokio::spawn(bound.run_until(std::future::pending()));

    let token = issuer
        .oauth_token("user_alice")
        .scope("email profile")
        .sign();
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(url).auth_header(token),
    );
    let client = ().serve(transport).await.unwrap();
    let names: Vec<String> = client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.into_owned())
        .collect();
    assert!(names.contains(&"whoami".to_owned()) && names.contains(&"ping".to_owned()));

    let result = client
        .call_tool(CallToolRequestParams::new("whoami"))
        .await
        .unwrap();
    let json = serde_json::to_value(&result).unwrap();
    assert_eq!(json["structuredContent"]["user_id"], "user_alice");
    assert_ne!(json["isError"], true);
    client.cancel().await.unwrap();
    server.abort();
}

/// The sample emulator directory (`MCP_CLERK_DEV_CONFIG=examples/dev/clerk-dev.json`) is valid.
#[test]
fn the_sample_dev_directory_loads() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/dev/clerk-dev.json");
    let dir = mcp_clerk::dev::DevDirectory::from_file(path).unwrap();
    let grace = dir.membership("user_grace", "org_engines").unwrap();
    assert_eq!(grace.role, "org:member");
    assert_eq!(
        grace.permissions,
        ["org:projects:read", "org:projects:create"]
    );
}
