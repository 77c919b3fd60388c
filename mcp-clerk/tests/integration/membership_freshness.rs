//! Membership freshness: with a secret key, a caller's organization role,
//! permissions and membership are read from the Backend API (cached for
//! `MCP_CLERK_MEMBERSHIP_TTL`), so a member removed from an organization, or
//! whose role changed, loses or gains that access within the lifetime, not
//! at token expiry: OAuth tokens (which name the org only) and session
//! tokens (whose claims carry a role) alike. The Backend API down is the
//! documented 503.
#![cfg(all(feature = "testing", feature = "dev"))]

use std::time::Duration;

use axum::http::header;
use mcp_clerk::dev::{DevClerk, DevClerkServer};
use mcp_clerk::{ClerkConfig, McpServer, TokenKind};
use serde_json::json;

use crate::http_support::*;

async fn server_with_ttl(dev: &DevClerkServer, ttl: Duration) -> Running {
    let config = dev
        .config_builder()
        .accept([TokenKind::OAuth, TokenKind::Session])
        .membership_ttl(ttl)
        .build()
        .unwrap();
    start(
        McpServer::new("fresh", "1")
            .clerk(config)
            .tools([whoami(), org_info(), admin_only()]),
    )
    .await
}

/// `admin_only`'s answer: `Ok(())` when it ran, `Err(text)` for a tool error,
/// `Err(status)` for an HTTP refusal.
async fn admin(url: &str, token: &str) -> Result<(), String> {
    let r = post(url, Some(token), &call("admin_only")).await;
    if r.status() != 200 {
        return Err(format!("status {}", r.status()));
    }
    let (text, is_error) = tool_text(&message(r).await);
    if is_error { Err(text) } else { Ok(()) }
}

#[tokio::test]
async fn a_role_change_takes_effect_on_the_next_call_with_ttl_zero() {
    let dev = DevClerk::new().start().await.unwrap();
    let server = server_with_ttl(&dev, Duration::ZERO).await;
    // An OAuth token names the org only; a session token carries the role
    // Alice had when it was minted (admin): both are re-checked.
    let oauth = dev.token("user_alice").org("org_acme").mint().unwrap();
    let session = dev
        .token("user_alice")
        .org("org_acme")
        .session()
        .mint()
        .unwrap();
    for token in [&oauth, &session] {
        assert_eq!(admin(&server.url, token).await, Ok(()));
    }

    dev.set_role("org_acme", "user_alice", "member").unwrap();
    for token in [&oauth, &session] {
        let refused = admin(&server.url, token).await.unwrap_err();
        assert!(refused.contains("not available"), "{refused}");
        // The list follows: the admin tool is hidden.
        let r = post(&server.url, Some(token), &rpc("tools/list", json!({}))).await;
        let list = message(r).await["result"]["tools"].to_string();
        assert!(!list.contains("admin_only"), "{list}");
    }

    // Access is gained the same way.
    dev.set_role("org_acme", "user_alice", "admin").unwrap();
    for token in [&oauth, &session] {
        assert_eq!(admin(&server.url, token).await, Ok(()));
    }
    // Bob, a member, promoted:
    let bob = dev.token("user_bob").org("org_acme").mint().unwrap();
    assert!(admin(&server.url, &bob).await.is_err());
    dev.set_role("org_acme", "user_bob", "org:admin").unwrap();
    assert_eq!(admin(&server.url, &bob).await, Ok(()));
}

#[tokio::test]
async fn a_removed_member_loses_the_organization() {
    let dev = DevClerk::new().start().await.unwrap();
    let server = server_with_ttl(&dev, Duration::ZERO).await;
    let oauth = dev.token("user_bob").org("org_acme").mint().unwrap();
    let session = dev
        .token("user_bob")
        .org("org_acme")
        .session()
        .mint()
        .unwrap();
    for token in [&oauth, &session] {
        let r = post(&server.url, Some(token), &call("org_info")).await;
        assert_eq!(tool_text(&message(r).await), ("org_acme".to_owned(), false));
    }

    dev.remove_member("org_acme", "user_bob").unwrap();
    // OAuth: no organization any more, so the client is asked to pick one
    // again (403 step-up for `user:org:read`), as for a token without one.
    let r = post(&server.url, Some(&oauth), &call("org_info")).await;
    assert_eq!(r.status(), 403);
    assert_scopes_include(&challenge(&r), &["user:org:read"]);
    // Session: a tool error (re-authorizing would not help).
    let r = post(&server.url, Some(&session), &call("org_info")).await;
    assert_eq!(r.status(), 200);
    assert!(tool_text(&message(r).await).1);
    // Tools that need no organization still work, without it.
    let r = post(&server.url, Some(&oauth), &call("whoami")).await;
    assert_eq!(tool_text(&message(r).await).0, "user_bob|-|dev_client");

    dev.add_member("org_acme", "user_bob", "member").unwrap();
    let r = post(&server.url, Some(&session), &call("org_info")).await;
    assert_eq!(tool_text(&message(r).await), ("org_acme".to_owned(), false));
}

#[tokio::test]
async fn within_the_ttl_the_membership_is_read_once_and_a_change_arrives_after_it() {
    let dev = DevClerk::new().start().await.unwrap();
    let server = server_with_ttl(&dev, Duration::from_secs(1)).await;
    let token = dev.token("user_alice").org("org_acme").mint().unwrap();
    assert_eq!(admin(&server.url, &token).await, Ok(()));
    assert_eq!(admin(&server.url, &token).await, Ok(()));
    let reads = |dev: &DevClerkServer| {
        dev.request_log()
            .iter()
            .filter(|l| l.contains("/organization_memberships"))
            .count()
    };
    assert!(reads(&dev) <= 2, "{:?}", dev.request_log());

    dev.set_role("org_acme", "user_alice", "member").unwrap();
    // Bounded poll (no timed assertion): the change arrives once the entry ends.
    let mut lost = false;
    for _ in 0..100 {
        if admin(&server.url, &token).await.is_err() {
            lost = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(lost, "the role change never arrived");
}

#[tokio::test]
async fn the_backend_api_down_is_the_documented_503_for_organization_callers() {
    let dev = DevClerk::new().start().await.unwrap();
    let secret = "sk_test_down_secret_value";
    let config = ClerkConfig::builder()
        .issuer(dev.issuer())
        .secret_key(secret)
        .api_url("http://127.0.0.1:1/v1")
        .membership_ttl(Duration::ZERO)
        .build()
        .unwrap();
    let server = start(McpServer::new("down", "1").clerk(config).tools([
        whoami(),
        org_info(),
        admin_only(),
    ]))
    .await;
    let token = dev.token("user_alice").org("org_acme").mint().unwrap();
    for request in [
        call("admin_only"),
        call("org_info"),
        rpc("tools/list", json!({})),
    ] {
        let r = post(&server.url, Some(&token), &request).await;
        assert_eq!(r.status(), 503);
        assert_eq!(r.headers()[header::RETRY_AFTER], "5");
        let body = r.text().await.unwrap();
        assert!(body.contains("backend-api-unreachable"), "{body}");
        assert!(!body.contains(secret) && !body.contains(&token));
    }
    // A caller without an organization is not affected.
    let plain = dev.token("user_alice").mint().unwrap();
    let r = post(&server.url, Some(&plain), &call("whoami")).await;
    assert_eq!(tool_text(&message(r).await).0, "user_alice|-|dev_client");
}

#[test]
fn the_membership_ttl_comes_from_the_environment() {
    let config = ClerkConfig::from_env_with(|name| match name {
        "CLERK_FRONTEND_API_URL" => Some("https://clerk.example.com".into()),
        "MCP_CLERK_MEMBERSHIP_TTL" => Some("0".into()),
        _ => None,
    })
    .unwrap();
    assert_eq!(config.membership_ttl(), Duration::ZERO);
    let default = ClerkConfig::builder()
        .issuer("https://clerk.example.com")
        .build()
        .unwrap();
    assert_eq!(default.membership_ttl(), Duration::from_secs(60));
    let bad = ClerkConfig::from_env_with(|name| match name {
        "CLERK_FRONTEND_API_URL" => Some("https://clerk.example.com".into()),
        "MCP_CLERK_MEMBERSHIP_TTL" => Some("soon".into()),
        _ => None,
    })
    .unwrap_err();
    assert!(
        bad.to_string().contains("MCP_CLERK_MEMBERSHIP_TTL"),
        "{bad}"
    );
}
