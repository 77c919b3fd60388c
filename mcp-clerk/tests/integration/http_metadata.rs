//! Discovery: RFC 9728 protected resource metadata and the mirror of the
//! issuer's authorization-server metadata.
#![cfg(feature = "testing")]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::http_support::*;
use axum::routing::get;
use mcp_clerk::McpServer;
use mcp_clerk::testing::TestIssuer;
use serde_json::{Value, json};

/// A server named `s` with `config` and `tools`.
async fn serve(
    config: mcp_clerk::ClerkConfig,
    tools: impl IntoIterator<Item = mcp_clerk::ToolDef>,
) -> Running {
    start(McpServer::new("s", "1").clerk(config).tools(tools)).await
}

/// GETs `url` and reads its JSON body.
async fn get_json(url: impl reqwest::IntoUrl) -> Value {
    client()
        .get(url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn prm_is_served_at_root_and_path_suffixed() {
    let issuer = TestIssuer::start().await;
    let config = issuer
        .config_builder()
        .resource_url("https://mcp.example.com/mcp")
        .scopes(["email", "profile"])
        .build()
        .unwrap();
    let server = start(
        McpServer::new("notes", "1")
            .clerk(config)
            .tools([whoami()])
            .resource_documentation("https://docs.example.com"),
    )
    .await;
    for path in ["/.well-known/oauth-protected-resource", PRM_PATH] {
        let r = client()
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["content-type"], "application/json");
        assert_eq!(r.headers()["access-control-allow-origin"], "*");
        let doc: Value = r.json().await.unwrap();
        assert_eq!(
            doc,
            json!({
                "resource": "https://mcp.example.com/mcp",
                "authorization_servers": [issuer.issuer()],
                "scopes_supported": ["email", "profile"],
                "bearer_methods_supported": ["header"],
                "resource_name": "notes",
                "resource_documentation": "https://docs.example.com",
            })
        );
    }
    // the 401 points at the path-suffixed document of the configured origin
    let r = post(&server.url, None, &call("whoami")).await;
    assert!(challenge(&r).ends_with(
        "resource_metadata=\"https://mcp.example.com/.well-known/oauth-protected-resource/mcp\""
    ));
}

#[tokio::test]
async fn prm_methods_head_options_and_405() {
    let issuer = TestIssuer::start().await;
    let server = serve(issuer.config(), [whoami()]).await;
    let url = format!("{}{PRM_PATH}", server.base);
    let r = client().head(&url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    assert!(r.bytes().await.unwrap().is_empty());
    // preflight with the MCP-Protocol-Version header the TS SDK sends
    let r = client()
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", "https://client.example")
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "mcp-protocol-version")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert!(
        r.headers()["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("mcp-protocol-version")
    );
    // a plain OPTIONS (the CORS layer answers every OPTIONS)
    let r = client()
        .request(reqwest::Method::OPTIONS, &url)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    for method in [
        reqwest::Method::POST,
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
    ] {
        let r = client().request(method.clone(), &url).send().await.unwrap();
        assert_eq!(r.status(), 405, "{method}");
        assert_eq!(r.headers()["allow"], "GET, HEAD, OPTIONS");
    }
}

#[tokio::test]
async fn without_resource_url_prm_is_derived_for_loopback_hosts_only() {
    let issuer = TestIssuer::start().await;
    let server = serve(issuer.config(), [whoami()]).await;
    let url = format!("{}{PRM_PATH}", server.base);
    let doc: Value = get_json(&url).await;
    assert_eq!(doc["resource"], server.url.as_str());
    let r = client()
        .get(&url)
        .header("host", "localhost:1234")
        .send()
        .await
        .unwrap();
    let doc: Value = r.json().await.unwrap();
    assert_eq!(doc["resource"], "http://localhost:1234/mcp");
    let r = client()
        .get(&url)
        .header("host", "mcp.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "resource_url_not_configured");
    // and the challenge points at the derived loopback URL
    let r = post(&server.url, None, &call("whoami")).await;
    assert!(challenge(&r).contains(&format!("resource_metadata=\"{url}\"")));
}

/// A fake issuer serving AS metadata; counts requests; can fail.
async fn upstream(fail: Arc<AtomicUsize>, hits: Arc<AtomicUsize>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let issuer = format!("http://{addr}");
    let doc =
        json!({"issuer": issuer, "authorization_endpoint": format!("{issuer}/oauth/authorize")});
    let handler = move |kind: &'static str| {
        let fail = fail.clone();
        let hits = hits.clone();
        let mut doc = doc.clone();
        doc["kind"] = json!(kind);
        move || async move {
            hits.fetch_add(1, Ordering::SeqCst);
            if fail.load(Ordering::SeqCst) > 0 {
                (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "down").into_response()
            } else {
                axum::Json(doc).into_response()
            }
        }
    };
    use axum::response::IntoResponse;
    let app = axum::Router::new()
        .route(
            "/.well-known/oauth-authorization-server",
            get(handler("oauth")),
        )
        .route("/.well-known/openid-configuration", get(handler("oidc")));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    issuer
}

#[tokio::test]
async fn authorization_server_metadata_is_mirrored_and_cached() {
    let fail = Arc::new(AtomicUsize::new(0));
    let hits = Arc::new(AtomicUsize::new(0));
    let issuer_url = upstream(fail.clone(), hits.clone()).await;
    let config = mcp_clerk::ClerkConfig::builder()
        .issuer(issuer_url.clone())
        .build()
        .unwrap();
    let server = serve(config, [whoami()]).await;
    for (path, kind) in [
        ("/.well-known/oauth-authorization-server", "oauth"),
        ("/.well-known/openid-configuration", "oidc"),
    ] {
        for _ in 0..3 {
            let r = client()
                .get(format!("{}{path}", server.base))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            assert_eq!(r.headers()["access-control-allow-origin"], "*");
            let doc: Value = r.json().await.unwrap();
            assert_eq!(doc["issuer"], issuer_url.as_str());
            assert_eq!(doc["kind"], kind);
        }
    }
    assert_eq!(
        hits.load(Ordering::SeqCst),
        2,
        "one upstream fetch per document"
    );
}

#[tokio::test]
async fn authorization_server_outage_is_502_and_not_cached_long() {
    let fail = Arc::new(AtomicUsize::new(1));
    let hits = Arc::new(AtomicUsize::new(0));
    let issuer_url = upstream(fail.clone(), hits.clone()).await;
    let config = mcp_clerk::ClerkConfig::builder()
        .issuer(issuer_url)
        .build()
        .unwrap();
    let server = serve(config, [whoami()]).await;
    let url = format!("{}/.well-known/oauth-authorization-server", server.base);
    let r = client().get(&url).send().await.unwrap();
    assert_eq!(r.status(), 502);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "upstream_unavailable");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("status 500")
    );
    // the failure is remembered briefly (no upstream storm)…
    let r = client().get(&url).send().await.unwrap();
    assert_eq!(r.status(), 502);
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    // …and retried once that short window passes
    fail.store(0, Ordering::SeqCst);
    tokio::time::sleep(std::time::Duration::from_millis(5_200)).await;
    let r = client().get(&url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn scopes_supported_defaults_to_the_scopes_tools_ask_for() {
    let issuer = TestIssuer::start().await;
    let server = serve(issuer.config(), [ping(), notes(), org_info(), whoami()]).await;
    let doc: Value = get_json(format!("{}{PRM_PATH}", server.base)).await;
    assert_eq!(
        doc["scopes_supported"],
        json!(["notes:read", "user:org:read"])
    );
    // and every 401 asks for what the metadata advertises, so a client's
    // first authorization already covers the tools (Clerk pins a dynamically
    // registered client to the scopes of its first request)
    let r = post(&server.url, None, &initialize()).await;
    assert_eq!(r.status(), 200, "ping is public, so initialize is too");
    let r = post(&server.url, None, &call("whoami")).await;
    assert_eq!(r.status(), 401);
    assert!(
        challenge(&r).contains("scope=\"notes:read user:org:read\""),
        "{}",
        challenge(&r)
    );
    let all_auth = serve(issuer.config(), [notes(), org_info()]).await;
    let r = post(&all_auth.url, None, &initialize()).await;
    assert_eq!(r.status(), 401);
    assert!(
        challenge(&r).contains("scope=\"notes:read user:org:read\""),
        "{}",
        challenge(&r)
    );
}
