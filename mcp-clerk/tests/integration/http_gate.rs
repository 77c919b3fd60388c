//! The gate in front of rmcp, over real loopback HTTP with real tokens from a
//! TestIssuer: every rule of DESIGN.md "Request path".
#![cfg(feature = "testing")]

use crate::http_support::*;
use mcp_clerk::testing::TestIssuer;
use mcp_clerk::{McpServer, ToolDef};
use serde_json::json;

async fn mixed(issuer: &TestIssuer) -> Running {
    let config = issuer
        .config_builder()
        .scopes(["email", "profile"])
        .build()
        .unwrap();
    start(
        McpServer::new("mixed", "1.0.0")
            .clerk(config)
            .tools(every_kind_of_tool()),
    )
    .await
}

async fn all_auth(issuer: &TestIssuer) -> Running {
    start(
        McpServer::new("private", "1.0.0")
            .clerk(issuer.config_builder().scopes(["email"]).build().unwrap())
            .tools([whoami(), notes()]),
    )
    .await
}

/// A server named `roles` that also takes session tokens, serving `tools`.
async fn roles(issuer: &TestIssuer, tools: impl IntoIterator<Item = ToolDef>) -> Running {
    let config = oauth_and_session_config(issuer);
    start(McpServer::new("roles", "1").clerk(config).tools(tools)).await
}

/// POSTs a `whoami` call with these raw `Authorization` header values.
async fn post_authorization(url: &str, values: &[String]) -> reqwest::Response {
    post_with_authorization(url, values, &call("whoami")).await
}

/// POSTs `body` with these raw `Authorization` header values.
async fn post_with_authorization(
    url: &str,
    values: &[String],
    body: &serde_json::Value,
) -> reqwest::Response {
    let mut req = mcp_post(url);
    for value in values {
        req = req.header("authorization", value);
    }
    req.json(body).send().await.unwrap()
}

fn prm(server: &Running) -> String {
    format!("{}{PRM_PATH}", server.base)
}

#[tokio::test]
async fn anonymous_protected_call_gets_401_without_error_param() {
    let issuer = TestIssuer::start().await;
    let server = mixed(&issuer).await;
    let r = post(&server.url, None, &call("notes")).await;
    assert_eq!(r.status(), 401);
    // `Bearer scope="…", resource_metadata="…"` and nothing else; the scope
    // list holds the configured scopes and what the call needs.
    let c = challenge(&r);
    assert!(c.starts_with("Bearer scope=\""), "{c}");
    assert!(!c.contains("error"), "{c}");
    assert!(
        c.ends_with(&format!("\", resource_metadata=\"{}\"", prm(&server))),
        "{c}"
    );
    assert_eq!(c.matches('=').count(), 2, "two parameters: {c}");
    assert_scopes_include(&c, &["email", "profile", "notes:read"]);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"], "unauthorized");
}

#[tokio::test]
async fn invalid_tokens_get_401_invalid_token_with_safe_description() {
    let issuer = TestIssuer::start().await;
    let server = mixed(&issuer).await;
    let cases = [
        (
            issuer.oauth_token("user_1").signed_by_wrong_key().sign(),
            "token-invalid-signature",
        ),
        (
            issuer
                .oauth_token("user_1")
                .issuer_url("https://evil.example")
                .sign(),
            "token-invalid-issuer",
        ),
        ("garbage".to_owned(), "token-invalid"),
    ];
    for (token, reason) in cases {
        let r = post(&server.url, Some(&token), &call("whoami")).await;
        assert_eq!(r.status(), 401, "{reason}");
        let c = challenge(&r);
        assert!(
            c.starts_with("Bearer error=\"invalid_token\", error_description=\""),
            "{c}"
        );
        assert!(c.contains(reason), "{c}");
        assert_scopes_include(&c, &["email", "profile"]);
        assert!(
            c.ends_with(&format!("resource_metadata=\"{}\"", prm(&server))),
            "{c}"
        );
        assert!(!c.contains(&token), "the challenge must not echo the token");
        let body = r.text().await.unwrap();
        assert!(!body.contains(&token));
    }
    // a non-Bearer scheme is a malformed header, also 401 invalid_token
    let r = post_authorization(&server.url, &["Basic dXNlcjpwYXNz".to_owned()]).await;
    assert_eq!(r.status(), 401);
    let c = challenge(&r);
    assert!(c.contains("error=\"invalid_token\""), "{c}");
    assert!(c.contains("authorization-header-invalid"), "{c}");
    // two Authorization headers (even with a valid token): refused, not guessed
    let good = issuer.oauth_token("user_1").sign();
    let r = post_authorization(
        &server.url,
        &[format!("Bearer {good}"), format!("Bearer {good}")],
    )
    .await;
    assert_eq!(r.status(), 401);
    let c = challenge(&r);
    assert!(c.contains("error=\"invalid_token\""), "{c}");
    assert!(c.contains("authorization-header-invalid"), "{c}");
    // the scheme is case-insensitive
    let r = post_authorization(&server.url, &[format!("bEaReR {good}")]).await;
    assert_tool_answer(r, "user_1|-|test_client").await;
    // `good` is cached now; the same token with a character outside RFC 6750's
    // b64token is still a malformed header (the cache is looked up first)
    for bad in [format!("{good}!"), format!("{good}\""), format!("!{good}")] {
        let r = post_authorization(&server.url, &[format!("Bearer {bad}")]).await;
        assert_eq!(r.status(), 401);
        let c = challenge(&r);
        assert!(c.contains("authorization-header-invalid"), "{c}");
        assert!(!c.contains(&good), "{c}");
    }
    // a token in the query string is ignored: anonymous, so challenged
    let r = post(
        &format!("{}?access_token={good}", server.url),
        None,
        &call("whoami"),
    )
    .await;
    assert_eq!(r.status(), 401);
    let c = challenge(&r);
    assert!(
        !c.contains("error="),
        "anonymous, not an invalid token: {c}"
    );
    assert!(c.contains("resource_metadata="), "{c}");
}

#[tokio::test]
async fn expired_token_is_401_even_when_scopes_are_missing() {
    let issuer = TestIssuer::start().await;
    let server = mixed(&issuer).await;
    let token = issuer.oauth_token("user_1").scope("email").expired().sign();
    let r = post(&server.url, Some(&token), &call("notes")).await;
    assert_eq!(r.status(), 401);
    let c = challenge(&r);
    assert!(c.contains("error=\"invalid_token\""), "{c}");
    assert!(c.contains("token-expired"), "{c}");
    assert!(!c.contains("insufficient_scope"), "{c}");
    assert_scopes_include(&c, &["email", "profile", "notes:read"]);
    // also on a public tool: a stale token is told so
    let r = post(&server.url, Some(&token), &call("ping")).await;
    assert_eq!(r.status(), 401);
    let c = challenge(&r);
    assert!(
        c.contains("error=\"invalid_token\"") && c.contains("token-expired"),
        "{c}"
    );
}

#[tokio::test]
async fn missing_scope_gets_403_insufficient_scope_listing_all_needed() {
    let issuer = TestIssuer::start().await;
    let server = mixed(&issuer).await;
    let token = issuer.oauth_token("user_1").scope("email").sign();
    let r = post(&server.url, Some(&token), &call("notes")).await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        challenge(&r),
        format!(
            "Bearer error=\"insufficient_scope\", error_description=\"the access token lacks \
             scopes this request needs\", scope=\"email notes:read\", resource_metadata=\"{}\"",
            prm(&server)
        )
    );
    // with the scope it works
    let token = issuer
        .oauth_token("user_1")
        .scope("email notes:read")
        .sign();
    let r = post(&server.url, Some(&token), &call("notes")).await;
    assert_tool_answer(r, "notes").await;
}

#[tokio::test]
async fn oauth_token_without_org_steps_up_for_org_scope() {
    let issuer = TestIssuer::start().await;
    let server = mixed(&issuer).await;
    let token = issuer.oauth_token("user_1").sign();
    let r = post(&server.url, Some(&token), &call("org_info")).await;
    assert_eq!(r.status(), 403);
    // the scopes the token has, then the missing one (clients that replace
    // their scope set with the challenge's keep what they had)
    let c = challenge(&r);
    assert!(c.contains("scope=\"email profile user:org:read\""), "{c}");
    let token = issuer
        .oauth_token("user_1")
        .scope("email user:org:read")
        .org_id("org_42")
        .sign();
    let r = post(&server.url, Some(&token), &call("org_info")).await;
    assert_tool_answer(r, "org_42").await;
}

#[tokio::test]
async fn missing_role_is_a_tool_error_identical_to_an_unknown_tool() {
    let issuer = TestIssuer::start().await;
    let server = roles(&issuer, [whoami(), admin_only()]).await;
    let member = issuer
        .session_token("user_1")
        .org("org_1", "acme", "member")
        .sign();
    let r = post(&server.url, Some(&member), &call("admin_only")).await;
    assert_eq!(r.status(), 200, "not an HTTP error");
    let forbidden = message(r).await;
    let (text, is_error) = tool_text(&forbidden);
    assert!(is_error);
    assert!(text.contains("not available"), "{text}");
    let r = post(&server.url, Some(&member), &call("no_such_tool")).await;
    let unknown = message(r).await;
    let (unknown_text, unknown_is_error) = tool_text(&unknown);
    assert!(unknown_is_error);
    assert_eq!(
        text.replace("admin_only", "X"),
        unknown_text.replace("no_such_tool", "X"),
        "hidden and unknown tools are refused the same way"
    );
    // an admin may call it
    let admin = issuer
        .session_token("user_2")
        .org("org_1", "acme", "admin")
        .sign();
    let r = post(&server.url, Some(&admin), &call("admin_only")).await;
    assert_eq!(tool_text(&message(r).await), ("admin".to_owned(), false));
}

#[tokio::test]
async fn tools_list_is_per_caller() {
    let issuer = TestIssuer::start().await;
    let server = roles(&issuer, [ping(), whoami(), admin_only()]).await;
    let names = |m: serde_json::Value| -> Vec<String> {
        m["result"]["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let list = rpc("tools/list", json!({}));
    // anonymous: auth-required tools stay visible so the challenge is discoverable
    let anon = names(message(post(&server.url, None, &list).await).await);
    assert_eq!(anon, ["ping", "whoami", "admin_only"]);
    let member = issuer
        .session_token("u")
        .org("org_1", "acme", "member")
        .sign();
    let r = post(&server.url, Some(&member), &list).await;
    // on the 2025-11-25 wire (no cacheScope) HTTP says it: never cache or share
    assert_eq!(r.headers()["cache-control"], "private, no-store");
    let m = names(message(r).await);
    assert_eq!(m, ["ping", "whoami"]);
    let challenged = post(&server.url, None, &call("whoami")).await;
    assert_eq!(challenged.status(), 401);
    assert_eq!(challenged.headers()["cache-control"], "private, no-store");
    let admin = issuer
        .session_token("u")
        .org("org_1", "acme", "admin")
        .sign();
    let a = names(message(post(&server.url, Some(&admin), &list).await).await);
    assert_eq!(a, ["ping", "whoami", "admin_only"]);
}

#[tokio::test]
async fn all_auth_server_challenges_anonymous_initialize_get_and_delete() {
    let issuer = TestIssuer::start().await;
    let server = all_auth(&issuer).await;
    let r = post(&server.url, None, &initialize()).await;
    assert_eq!(r.status(), 401);
    let c = challenge(&r);
    assert_eq!(
        c,
        format!(
            "Bearer scope=\"email\", resource_metadata=\"{}\"",
            prm(&server)
        )
    );
    for method in [reqwest::Method::GET, reqwest::Method::DELETE] {
        let r = client()
            .request(method.clone(), &server.url)
            .header("accept", "text/event-stream")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{method}");
        assert!(challenge(&r).contains("resource_metadata="));
    }
    // with a token, initialize works
    let token = issuer.oauth_token("user_1").sign();
    let r = post(&server.url, Some(&token), &initialize()).await;
    assert_eq!(r.status(), 200);
    let m = message(r).await;
    assert_eq!(m["result"]["serverInfo"]["name"], "private");
}

#[tokio::test]
async fn mixed_server_serves_public_tools_and_challenges_mid_session() {
    let issuer = TestIssuer::start().await;
    let server = mixed(&issuer).await;
    let r = post(&server.url, None, &initialize()).await;
    assert_eq!(r.status(), 200);
    let r = post(&server.url, None, &call("ping")).await;
    assert_eq!(tool_text(&message(r).await), ("pong".to_owned(), false));
    let r = post(&server.url, None, &call("whoami")).await;
    assert_eq!(r.status(), 401);
    let c = challenge(&r);
    assert!(!c.contains("error="), "{c}");
    assert!(c.contains("resource_metadata="), "{c}");
    let token = issuer.oauth_token("user_7").client_id("client_x").sign();
    let r = post(&server.url, Some(&token), &call("whoami")).await;
    assert_tool_answer(r, "user_7|-|client_x").await;
}

#[tokio::test]
async fn batches_are_challenged_when_any_element_needs_auth() {
    let issuer = TestIssuer::start().await;
    let server = mixed(&issuer).await;
    let batch = json!([call("ping"), call("notes")]);
    let r = post(&server.url, None, &batch).await;
    assert_eq!(r.status(), 401);
    let c = challenge(&r);
    assert!(!c.contains("error="), "{c}");
    assert_scopes_include(&c, &["notes:read"]);
    let token = issuer.oauth_token("user_1").scope("email").sign();
    let r = post(&server.url, Some(&token), &batch).await;
    assert_eq!(r.status(), 403);
    let c = challenge(&r);
    assert!(c.contains("error=\"insufficient_scope\""), "{c}");
    assert_scopes_include(&c, &["notes:read"]);
    // a batch of public calls passes the gate (no challenge); 2025-11-25 has
    // no batches, so it is JSON-RPC's Invalid Request (`http::strict`)
    let r = post(&server.url, None, &json!([call("ping")])).await;
    assert_eq!(r.status(), 400);
    assert!(r.headers().get("www-authenticate").is_none());
    let m: serde_json::Value = r.json().await.unwrap();
    assert_eq!(m["error"]["code"], -32600, "{m}");
}

#[tokio::test]
async fn oversized_bodies_get_413() {
    let issuer = TestIssuer::start().await;
    let server = start(
        McpServer::new("small", "1")
            .clerk(issuer.config())
            .tools([ping(), whoami()])
            .max_body_bytes(1024),
    )
    .await;
    let big = json!({"jsonrpc":"2.0","id":1,"method":"tools/call",
        "params":{"name":"ping","arguments":{"pad":"x".repeat(4096)}}});
    let r = post(&server.url, None, &big).await;
    assert_eq!(r.status(), 413);
    // an authenticated caller no tool would ask to step up: the gate does not
    // read the body, rmcp enforces the same limit
    let token = issuer.oauth_token("user_1").sign();
    let r = post(&server.url, Some(&token), &big).await;
    assert_eq!(r.status(), 413);
    // a malformed header is refused before the body is read: 401, not 413
    for header in ["Bearer a!b".to_owned(), format!("Bearer {token}~!")] {
        let r = post_with_authorization(&server.url, &[header], &big).await;
        assert_eq!(r.status(), 401);
        assert!(challenge(&r).contains("authorization-header-invalid"));
    }
    // chunked, without Content-Length: the limit holds while streaming
    let status = raw_chunked_post(&server.base, &serde_json::to_vec(&big).unwrap()).await;
    assert_eq!(status, 413);
    let r = post(&server.url, None, &call("ping")).await;
    assert_eq!(r.status(), 200);
}

/// POSTs `body` with `Transfer-Encoding: chunked` over a raw socket; returns the status.
async fn raw_chunked_post(base: &str, body: &[u8]) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut req = format!(
        "POST /mcp HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Accept: {ACCEPT}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    .into_bytes();
    for chunk in body.chunks(512) {
        req.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        req.extend_from_slice(chunk);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"0\r\n\r\n");
    // the server may answer before reading everything; ignore write errors
    let _ = stream.write_all(&req).await;
    let mut buf = Vec::new();
    let _ = stream.read_to_end(&mut buf).await;
    let head = String::from_utf8_lossy(&buf);
    head.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head}"))
}

/// JSON with repeated keys is a classic parser-differential trick: the gate's
/// peek refuses it (it cannot tell which tool is meant) and lets it through as
/// unreadable, so the safety rests on rmcp refusing the same body and on the
/// call path deciding again. Whichever key order, no tool result comes back to
/// an anonymous caller.
#[tokio::test]
async fn repeated_json_keys_never_reach_a_protected_tool_anonymously() {
    let issuer = TestIssuer::start().await;
    let server = mixed(&issuer).await;
    let params = |names: [&str; 2]| {
        format!(
            r#"{{"name":"{}","name":"{}","arguments":{{}}}}"#,
            names[0], names[1]
        )
    };
    let bodies = [
        format!(r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}}}"#, params(["ping", "whoami"])),
        format!(r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}}}"#, params(["whoami", "ping"])),
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","method":"tools/call","params":{"name":"whoami","arguments":{}}}"#.to_owned(),
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","method":"tools/list","params":{"name":"whoami","arguments":{}}}"#.to_owned(),
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"ping"},"params":{"name":"whoami","arguments":{}}}"#.to_owned(),
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":{}},"params":{"name":"ping"}}"#.to_owned(),
    ];
    for body in bodies {
        let response = mcp_post(&server.url)
            .header("mcp-protocol-version", "2025-11-25")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert_ne!(status.as_u16() / 100, 5, "{body}: {status} {text}");
        assert!(
            !text.contains("\"result\""),
            "{body} reached a tool: {text}"
        );
        if status.is_success() {
            let message: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert!(message["error"]["code"].is_i64(), "{body}: {text}");
        }
    }
}
