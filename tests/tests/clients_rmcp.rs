//! rmcp's own OAuth client (feature `auth`: `OAuthState`, `AuthorizationManager`,
//! `AuthClient`) completes the whole flow against the quickstart and the local
//! Clerk emulator: 401 challenge → protected resource metadata →
//! authorization server metadata → dynamic registration → PKCE authorize →
//! token → `tools/call`.
//!
//! rmcp 3.11 does not start an authorization by itself when a request gets a
//! 401: its transport fails the request with the challenge
//! (`ServiceError::auth_challenge`), and the application hands that to
//! `AuthorizationRequest::with_challenge`, from which rmcp discovers the
//! protected resource metadata and the authorization server. The tests do
//! exactly that, with rmcp's own client making the failing request.

mod clients_support;

use clients_support::{OAUTH_FLOW, assert_in_order, quickstart_recorded, timeline};
use mcp_clerk::McpServer;
use mcp_clerk::dev::DevClerk;
use mcp_clerk::prelude::*;
use rmcp::ServiceExt as _;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::auth::{AuthClient, AuthorizationCallback, AuthorizationRequest, OAuthState};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;

const REDIRECT: &str = "http://127.0.0.1:33419/callback";

/// Follows the authorize URL like a browser would until the redirect back to
/// the client, returning that callback URL. When the emulator shows its
/// consent page, approves as `user` in `org` (`None`: personal account).
async fn follow_as(url: &str, user: &str, org: Option<&str>) -> String {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut resp = http.get(url).send().await.unwrap();
    for _ in 0..5 {
        if resp.status() == 200 {
            let base = resp.url().clone();
            let html = resp.text().await.unwrap();
            let request_id = html
                .split("name=\"request_id\" value=\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .expect("a consent page")
                .to_owned();
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            form.append_pair("request_id", &request_id)
                .append_pair("user_id", user)
                .append_pair("org_id", org.unwrap_or(""))
                .append_pair("decision", "allow");
            resp = http
                .post(base.join("/oauth/authorize").unwrap())
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form.finish())
                .send()
                .await
                .unwrap();
            continue;
        }
        assert!(
            resp.status().is_redirection(),
            "authorize answered {}",
            resp.status()
        );
        let location = resp.headers()["location"].to_str().unwrap().to_owned();
        if location.starts_with(REDIRECT) {
            return location;
        }
        resp = http.get(&location).send().await.unwrap();
    }
    panic!("no redirect back to the client");
}

/// [`follow_as`] when the emulator auto-consents.
async fn follow(url: &str) -> String {
    follow_as(url, "", None).await
}

#[tokio::test(flavor = "multi_thread")]
async fn rmcp_oauth_client_runs_the_full_flow() {
    let dev = DevClerk::new()
        .auto_consent_as("user_bob", None)
        .start()
        .await
        .unwrap();
    let issuer = dev.issuer().to_owned();
    let running = quickstart_recorded(dev).await;

    // 1. rmcp's client, with no token, calls a protected tool and gets the 401
    //    challenge (the quickstart has a public tool, so anonymous callers may
    //    initialize).
    let anonymous = ()
        .serve(StreamableHttpClientTransport::from_config(
            StreamableHttpClientTransportConfig::with_uri(running.mcp_url.clone()),
        ))
        .await
        .unwrap();
    let err = anonymous
        .call_tool(CallToolRequestParams::new("whoami"))
        .await
        .unwrap_err();
    let challenge = err
        .auth_challenge()
        .unwrap_or_else(|| panic!("no challenge in {err:?}"))
        .to_owned();
    assert!(challenge.contains("resource_metadata="), "{challenge}");
    let _ = anonymous.cancel().await;

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

    // Both servers' requests in one timeline: the 401, rmcp fetching the
    // metadata the challenge names, the OAuth flow, the authorized call.
    assert_in_order(&timeline(&running), &OAUTH_FLOW);
    running.stop().await.unwrap();
}

/// Needs an active organization.
#[tool(org = required)]
async fn org_name(org: ClerkOrg) -> String {
    org.id().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn rmcp_oauth_client_steps_up_for_an_organization() {
    let dev = DevClerk::new().start().await.unwrap();
    let config = dev
        .config_builder()
        .scopes(["email", "profile", "user:org:read"])
        .build()
        .unwrap();
    let bound = McpServer::new("step-up", "1")
        .clerk(config)
        .tools(tools![org_name])
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let url = format!("http://{}/mcp", bound.local_addr());
    let server = tokio::spawn(bound.run_until(std::future::pending()));

    // First authorization: the user approves without choosing an organization.
    let mut oauth = OAuthState::new(url.as_str(), None).await.unwrap();
    oauth
        .start_authorization(
            AuthorizationRequest::new(REDIRECT).with_client_name("rmcp step-up test"),
        )
        .await
        .unwrap();
    let callback = follow_as(
        &oauth.get_authorization_url().await.unwrap(),
        "user_bob",
        None,
    )
    .await;
    oauth.handle_callback_url(&callback).await.unwrap();
    let auth_client = AuthClient::new(
        reqwest::Client::default(),
        oauth.into_authorization_manager().unwrap(),
    );

    let config = StreamableHttpClientTransportConfig::with_uri(url.clone());
    let client = ()
        .serve(StreamableHttpClientTransport::with_client(
            auth_client.clone(),
            config.clone(),
        ))
        .await
        .unwrap();
    let err = client
        .call_tool(CallToolRequestParams::new("org_name"))
        .await
        .unwrap_err();
    assert!(format!("{err:?}").contains("insufficient_scope"), "{err:?}");
    let _ = client.cancel().await;

    // Step-up: rmcp asks for the union of its scopes and the challenged one;
    // this time the user picks org_acme.
    {
        let manager = auth_client.auth_manager.lock().await;
        let upgrade = manager
            .request_scope_upgrade("user:org:read")
            .await
            .unwrap();
        let callback = follow_as(&upgrade, "user_bob", Some("org_acme")).await;
        let cb = AuthorizationCallback::from_redirect_url(&callback).unwrap();
        manager
            .exchange_code_for_token_with_issuer(&cb.code, &cb.csrf_token, cb.issuer.as_deref())
            .await
            .unwrap();
    }
    let client = ()
        .serve(StreamableHttpClientTransport::with_client(
            auth_client,
            config,
        ))
        .await
        .unwrap();
    let result = client
        .call_tool(CallToolRequestParams::new("org_name"))
        .await
        .unwrap();
    let json = serde_json::to_value(&result).unwrap();
    assert_eq!(json["content"][0]["text"], "org_acme");
    client.cancel().await.unwrap();
    server.abort();
}
