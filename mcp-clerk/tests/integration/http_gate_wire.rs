//! The gate's transport rules: 2026-07-28 standard headers, Host/Origin, CORS,
//! token stripping, stateful session binding, JWKS outage.
#![cfg(feature = "testing")]

use crate::http_support::*;
use mcp_clerk::testing::{JwksMode, TestIssuer};
use mcp_clerk::{McpServer, SessionMode, ToolDef};
use serde_json::{Value, json};

/// A server named `s` behind `issuer`, serving `tools`.
async fn serve(issuer: &TestIssuer, tools: impl IntoIterator<Item = ToolDef>) -> Running {
    start(McpServer::new("s", "1").clerk(issuer.config()).tools(tools)).await
}

/// A stateful server behind `issuer`, serving `ping` and `whoami`.
async fn serve_stateful(issuer: &TestIssuer) -> Running {
    start(
        McpServer::new("s", "1")
            .clerk(issuer.config())
            .session_mode(SessionMode::Stateful)
            .tools([ping(), whoami()]),
    )
    .await
}

fn call_2026(name: &str) -> Value {
    json!({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{
        "name": name, "arguments": {},
        "_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {}
        }
    }})
}

async fn post_2026(
    url: &str,
    token: Option<&str>,
    method: &str,
    name: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    let mut req = mcp_post(url)
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", method)
        .json(body);
    if let Some(name) = name {
        req = req.header("mcp-name", name);
    }
    send_as(req, token).await
}

/// A 2026-07-28 `tools/list` body.
fn list_2026() -> Value {
    json!({"jsonrpc":"2.0","id":8,"method":"tools/list","params":{"_meta":{
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {}}}})
}

#[tokio::test]
async fn protocol_2026_uses_standard_headers() {
    let issuer = TestIssuer::start().await;
    let server = serve(&issuer, [ping(), whoami()]).await;
    // anonymous protected call: challenged from the headers
    let r = post_2026(
        &server.url,
        None,
        "tools/call",
        Some("whoami"),
        &call_2026("whoami"),
    )
    .await;
    assert_eq!(r.status(), 401);
    let c = challenge(&r);
    assert!(!c.contains("error="), "{c}");
    assert!(c.contains("resource_metadata="), "{c}");
    // authenticated: served
    let token = issuer.oauth_token("user_26").sign();
    let r = post_2026(
        &server.url,
        Some(&token),
        "tools/call",
        Some("whoami"),
        &call_2026("whoami"),
    )
    .await;
    assert_eq!(r.status(), 200);
    let (text, is_error) = tool_text(&message(r).await);
    assert!(!is_error && text.starts_with("user_26|-|"), "{text}");
    // headers claiming a public tool while the body calls a protected one:
    // rmcp rejects the mismatch, the tool never runs
    let r = post_2026(
        &server.url,
        None,
        "tools/call",
        Some("ping"),
        &call_2026("whoami"),
    )
    .await;
    assert_eq!(r.status(), 400);
    let m: Value = r.json().await.unwrap();
    assert_eq!(m["error"]["code"], -32020, "{m}");
    // without the headers the body decides (and rmcp wants Mcp-Method on 2026)
    let r = mcp_post(&server.url)
        .header("mcp-protocol-version", "2026-07-28")
        .json(&call_2026("whoami"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "the body peek still challenges");
    assert!(challenge(&r).contains("resource_metadata="));
    // tools/list on 2026 is marked private when the list depends on the caller
    let r = post_2026(&server.url, Some(&token), "tools/list", None, &list_2026()).await;
    assert_eq!(r.status(), 200);
    let m = message(r).await;
    assert_eq!(m["result"]["cacheScope"], "public", "{m}");
}

#[tokio::test]
async fn cache_scope_private_when_tools_can_be_hidden() {
    let issuer = TestIssuer::start().await;
    let server = serve(&issuer, [whoami(), org_info()]).await;
    let token = issuer.oauth_token("user_1").sign();
    let r = post_2026(&server.url, Some(&token), "tools/list", None, &list_2026()).await;
    assert_eq!(r.status(), 200);
    let m = message(r).await;
    assert_eq!(m["result"]["cacheScope"], "private", "{m}");
    assert_eq!(m["result"]["ttlMs"], 0);
}

#[tokio::test]
async fn host_and_origin_are_checked_before_auth() {
    let issuer = TestIssuer::start().await;
    let config = issuer
        .config_builder()
        .resource_url("http://127.0.0.1:9/mcp")
        .build()
        .unwrap();
    let server = start(
        McpServer::new("s", "1")
            .clerk(config)
            .tools([ping(), whoami()])
            .allowed_origins(["https://app.example.com"]),
    )
    .await;
    let send = |host: Option<&'static str>, origin: Option<&'static str>| {
        let url = server.url.clone();
        async move {
            let mut req = mcp_post(&url).json(&call("whoami"));
            if let Some(h) = host {
                req = req.header("host", h);
            }
            if let Some(o) = origin {
                req = req.header("origin", o);
            }
            req.send().await.unwrap()
        }
    };
    // refused before auth: a plain 403, no challenge
    for (host, origin) in [
        (Some("evil.example"), None),
        (None, Some("https://evil.example")),
        (None, Some("null")),
    ] {
        let r = send(host, origin).await;
        assert_eq!(r.status(), 403, "{host:?} {origin:?}");
        assert!(r.headers().get("www-authenticate").is_none());
    }
    // allowed origins reach the auth check
    assert_eq!(
        send(None, Some("https://app.example.com")).await.status(),
        401
    );
    assert_eq!(
        send(None, Some("http://localhost:6274")).await.status(),
        401
    );
    assert_eq!(send(None, None).await.status(), 401);
}

/// A CORS preflight for a POST from `origin`, asking for `request_headers`.
async fn preflight(url: &str, origin: &str, request_headers: Option<&str>) -> reqwest::Response {
    let mut req = client()
        .request(reqwest::Method::OPTIONS, url)
        .header("origin", origin)
        .header("access-control-request-method", "POST");
    if let Some(headers) = request_headers {
        req = req.header("access-control-request-headers", headers);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn cors_preflight_and_exposed_headers_on_the_mcp_route() {
    let issuer = TestIssuer::start().await;
    let server = serve(&issuer, [whoami()]).await;
    let r = preflight(
        &server.url,
        "http://localhost:6274",
        Some("authorization, content-type, mcp-protocol-version, mcp-session-id"),
    )
    .await;
    assert_eq!(r.status(), 200);
    let h = r.headers();
    assert_eq!(h["access-control-allow-origin"], "http://localhost:6274");
    let allowed = h["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(allowed.contains("authorization") && allowed.contains("mcp-protocol-version"));
    // a preflight from a foreign origin gets no CORS grant
    let r = preflight(&server.url, "https://evil.example", None).await;
    assert!(r.headers().get("access-control-allow-origin").is_none());
    // the 401 exposes WWW-Authenticate to browser code
    let r = mcp_post(&server.url)
        .header("origin", "http://localhost:6274")
        .json(&call("whoami"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let exposed = r.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.contains("www-authenticate") && exposed.contains("mcp-session-id"));
}

#[tokio::test]
async fn the_token_is_not_forwarded_to_tools() {
    let issuer = TestIssuer::start().await;
    let server = serve(&issuer, [headers_probe()]).await;
    let token = issuer.oauth_token("user_1").sign();
    let r = post(&server.url, Some(&token), &call("headers")).await;
    assert_tool_answer(r, "authorization_visible=false").await;
}

async fn stateful_session(url: &str, token: Option<&str>) -> String {
    let r = post(url, token, &initialize()).await;
    assert_eq!(r.status(), 200);
    let id = r.headers()["mcp-session-id"].to_str().unwrap().to_owned();
    let _ = r.text().await;
    let initialized = json!({"jsonrpc":"2.0","method":"notifications/initialized"});
    assert_eq!(
        post_in_session(url, &id, token, &initialized)
            .await
            .status(),
        202
    );
    id
}

async fn post_in_session(
    url: &str,
    session: &str,
    token: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    let req = mcp_post(url)
        .header("mcp-protocol-version", "2025-11-25")
        .header("mcp-session-id", session)
        .json(body);
    send_as(req, token).await
}

/// DELETEs `session` as the holder of `token`.
async fn delete_session(url: &str, session: &str, token: &str) -> reqwest::Response {
    client()
        .delete(url)
        .header("mcp-session-id", session)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn stateful_sessions_are_bound_to_their_creator() {
    let issuer = TestIssuer::start().await;
    let server = serve_stateful(&issuer).await;
    let alice = issuer.oauth_token("user_alice").sign();
    let alice_again = issuer.oauth_token("user_alice").sign();
    let bob = issuer.oauth_token("user_bob").sign();
    let session = stateful_session(&server.url, Some(&alice)).await;

    let r = post_in_session(&server.url, &session, Some(&alice_again), &call("whoami")).await;
    assert_eq!(r.status(), 200);
    assert!(tool_text(&message(r).await).0.starts_with("user_alice|"));

    let r = post_in_session(&server.url, &session, Some(&bob), &call("whoami")).await;
    assert_eq!(r.status(), 404, "another principal cannot use the session");
    let r = post_in_session(&server.url, &session, None, &call("ping")).await;
    assert_eq!(r.status(), 404, "nor can an anonymous caller");
    let r = post_in_session(&server.url, "made-up-session", Some(&bob), &call("ping")).await;
    assert_eq!(r.status(), 404);

    // DELETE by its owner ends it
    let r = delete_session(&server.url, &session, &alice).await;
    assert_eq!(r.status(), 202);
    let r = post_in_session(&server.url, &session, Some(&alice), &call("whoami")).await;
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn anonymous_session_is_claimed_by_the_first_signed_in_caller() {
    let issuer = TestIssuer::start().await;
    let server = serve_stateful(&issuer).await;
    let session = stateful_session(&server.url, None).await;
    let r = post_in_session(&server.url, &session, None, &call("whoami")).await;
    assert_eq!(r.status(), 401, "mid-session challenge");
    assert!(!challenge(&r).contains("error="));
    let alice = issuer.oauth_token("user_alice").sign();
    let r = post_in_session(&server.url, &session, Some(&alice), &call("whoami")).await;
    assert_eq!(r.status(), 200);
    assert!(tool_text(&message(r).await).0.starts_with("user_alice|"));
    let bob = issuer.oauth_token("user_bob").sign();
    let r = post_in_session(&server.url, &session, Some(&bob), &call("whoami")).await;
    assert_eq!(r.status(), 404);
    let r = post_in_session(&server.url, &session, None, &call("ping")).await;
    assert_eq!(r.status(), 404, "once claimed, no longer anonymous");
}

#[tokio::test]
async fn stateful_sessions_are_bound_to_the_oauth_client_too() {
    let issuer = TestIssuer::start().await;
    let server = serve_stateful(&issuer).await;
    let via_a = |user: &str| issuer.oauth_token(user).client_id("client_a").sign();
    let session = stateful_session(&server.url, Some(&via_a("user_alice"))).await;

    // The same principal (issuer, user, client), with a fresh token: accepted.
    let r = post_in_session(
        &server.url,
        &session,
        Some(&via_a("user_alice")),
        &call("whoami"),
    )
    .await;
    assert_tool_answer(r, "user_alice|-|client_a").await;

    // The same user through another OAuth client (another app holding its own
    // token for her) cannot ride client_a's session.
    let via_b = issuer
        .oauth_token("user_alice")
        .client_id("client_b")
        .sign();
    for body in [call("whoami"), call("ping")] {
        let r = post_in_session(&server.url, &session, Some(&via_b), &body).await;
        assert_eq!(r.status(), 404, "{body}");
    }
    let r = delete_session(&server.url, &session, &via_b).await;
    assert_eq!(r.status(), 404, "nor end it");
    // Another user through the same client: refused as well.
    let r = post_in_session(
        &server.url,
        &session,
        Some(&via_a("user_bob")),
        &call("ping"),
    )
    .await;
    assert_eq!(r.status(), 404);

    // client_b's own session is bound to client_b, and client_a's still works.
    let other = stateful_session(&server.url, Some(&via_b)).await;
    assert_ne!(other, session);
    let r = post_in_session(
        &server.url,
        &other,
        Some(&via_a("user_alice")),
        &call("ping"),
    )
    .await;
    assert_eq!(r.status(), 404);
    let r = post_in_session(
        &server.url,
        &session,
        Some(&via_a("user_alice")),
        &call("ping"),
    )
    .await;
    assert_tool_answer(r, "pong").await;
}

#[tokio::test]
async fn unreachable_jwks_is_503_not_a_challenge() {
    let issuer = TestIssuer::start().await;
    issuer.set_jwks_mode(JwksMode::Fail);
    let server = serve(&issuer, [whoami()]).await;
    let token = issuer.oauth_token("user_1").sign();
    let r = post(&server.url, Some(&token), &call("whoami")).await;
    assert_eq!(r.status(), 503);
    assert!(r.headers().get("www-authenticate").is_none());
    assert_eq!(r.headers()["retry-after"], "5");
}
