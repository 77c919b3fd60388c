//! rmcp's own OAuth client (feature `auth`: `OAuthState`, `AuthorizationManager`,
//! `AuthClient`) completes the whole flow against the quickstart and the local
//! Clerk emulator: 401 challenge → protected resource metadata →
//! authorization server metadata → dynamic registration → PKCE authorize →
//! token → `tools/call`.

use mcp_clerk::dev::DevClerk;
use mcp_clerk_examples::{Clerk, quickstart};
use rmcp::ServiceExt as _;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::auth::{AuthClient, AuthorizationRequest, OAuthState};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;

const REDIRECT: &str = "http://127.0.0.1:33419/callback";

/// Follows the authorize URL like a browser would until the redirect back to
/// the client (the emulator auto-consents), returning that callback URL.
async fn follow(url: &str) -> String {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut next = url.to_owned();
    for _ in 0..5 {
        let resp = http.get(&next).send().await.unwrap();
        assert!(
            resp.status().is_redirection(),
            "authorize answered {}",
            resp.status()
        );
        let location = resp.headers()["location"].to_str().unwrap().to_owned();
        if location.starts_with(REDIRECT) {
            return location;
        }
        next = location;
    }
    panic!("no redirect back to the client");
}

#[tokio::test(flavor = "multi_thread")]
async fn rmcp_oauth_client_runs_the_full_flow() {
    let dev = DevClerk::new()
        .auto_consent_as("user_bob", None)
        .start()
        .await
        .unwrap();
    let issuer = dev.issuer().to_owned();
    let running = quickstart::start("127.0.0.1:0", Clerk::Dev(dev))
        .await
        .unwrap();

    // 1. An anonymous call of a protected tool gets the 401 challenge (the
    //    quickstart has a public tool, so anonymous callers may initialize).
    let resp = reqwest::Client::new()
        .post(&running.mcp_url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami"}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let challenge = resp.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(challenge.contains("resource_metadata="), "{challenge}");

    // 2. rmcp discovers PRM + AS metadata from the challenge and registers.
    let mut oauth = OAuthState::new(running.mcp_url.as_str(), None)
        .await
        .unwrap();
    oauth
        .start_authorization(
            AuthorizationRequest::new(REDIRECT)
                .with_client_name("rmcp OAuth client test")
                .with_challenge(challenge),
        )
        .await
        .unwrap();
    let authorize_url = oauth.get_authorization_url().await.unwrap();
    let parsed = url::Url::parse(&authorize_url).unwrap();
    assert!(authorize_url.starts_with(&format!("{issuer}/oauth/authorize?")));
    let q: std::collections::HashMap<_, _> = parsed.query_pairs().into_owned().collect();
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["resource"], running.mcp_url);

    // 3. The "browser" approves; rmcp exchanges the code (PKCE) for a token.
    let callback = follow(&authorize_url).await;
    oauth.handle_callback_url(&callback).await.unwrap();

    // 4. tools/call through rmcp's AuthClient.
    let manager = oauth.into_authorization_manager().expect("authorized");
    let token = manager.get_access_token().await.unwrap();
    assert_eq!(token.split('.').count(), 3, "a JWT access token");
    let transport = StreamableHttpClientTransport::with_client(
        AuthClient::new(reqwest::Client::default(), manager),
        StreamableHttpClientTransportConfig::with_uri(running.mcp_url.clone()),
    );
    let client = ().serve(transport).await.unwrap();
    let result = client
        .call_tool(CallToolRequestParams::new("whoami"))
        .await
        .unwrap();
    let json = serde_json::to_value(&result).unwrap();
    assert_eq!(json["structuredContent"]["user_id"], "user_bob");
    assert!(
        json["structuredContent"]["client_id"]
            .as_str()
            .is_some_and(|c| c != "dev_client")
    );
    client.cancel().await.unwrap();
    running.stop().await.unwrap();
}
