//! Strict HTTP at the gate (`http::strict`), over real loopback HTTP: one
//! `Host`, one `Origin`, a request target's authority held to the `Host`
//! allow-list, and JSON-RPC's 400s for bodies that are not JSON-RPC messages,
//! on the path where the gate peeks at the body and on the one where it
//! streams it to rmcp unread.
#![cfg(feature = "testing")]

use crate::http_support::*;
use mcp_clerk::McpServer;
use mcp_clerk::testing::TestIssuer;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A server of `ping` (public) and `whoami` (auth): an authenticated caller
/// can never be asked to step up, so the gate streams its bodies unread; an
/// anonymous caller's bodies are peeked.
async fn serve(issuer: &TestIssuer) -> Running {
    start(
        McpServer::new("s", "1")
            .clerk(issuer.config())
            .tools([ping(), whoami()]),
    )
    .await
}

/// A response read off the socket.
struct Raw {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).expect("chunk size");
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        body = &rest[size + 2..];
    }
    out
}

/// Sends `head` (request line and headers, without the final blank line, no
/// `Content-Length`) and `body` as raw bytes over a fresh connection.
async fn raw(server: &Running, head: &str, body: &str) -> Raw {
    let addr = server.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!(
        "{head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8(answer).expect("utf-8 answer");
    let (head, body) = answer.split_once("\r\n\r\n").expect("a head");
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut raw = Raw {
        status,
        headers,
        body: body.to_owned(),
    };
    if raw
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        raw.body = dechunk(&raw.body);
    }
    raw
}

/// The head of a `POST {target}` with the MCP headers, `token` and `extra` lines.
fn head(target: &str, token: &str, extra: &[String]) -> String {
    let mut lines = vec![
        format!("POST {target} HTTP/1.1"),
        "Content-Type: application/json".to_owned(),
        format!("Accept: {ACCEPT}"),
        "MCP-Protocol-Version: 2025-11-25".to_owned(),
        format!("Authorization: Bearer {token}"),
    ];
    lines.extend(extra.iter().cloned());
    lines.join("\r\n")
}

fn whoami_body() -> String {
    call("whoami").to_string()
}

#[tokio::test]
async fn two_host_or_two_origin_headers_are_400() {
    let issuer = TestIssuer::start().await;
    let server = serve(&issuer).await;
    let token = issuer.oauth_token("user_1").sign();
    let host = server.base.trim_start_matches("http://").to_owned();
    // one of each is served
    let ok = raw(
        &server,
        &head("/mcp", &token, &[format!("Host: {host}")]),
        &whoami_body(),
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    // the same good Host twice, or a good one and a foreign one: 400, not "the first decides"
    for extra in [
        vec![format!("Host: {host}"), format!("Host: {host}")],
        vec![format!("Host: {host}"), "Host: evil.example".to_owned()],
    ] {
        let r = raw(&server, &head("/mcp", &token, &extra), &whoami_body()).await;
        assert_eq!(r.status, 400, "{extra:?}: {}", r.body);
        assert_eq!(r.body, "Bad Request: more than one Host header");
        assert!(r.header("www-authenticate").is_none());
    }
    // two Origins, the first allowed
    let extra = [
        format!("Host: {host}"),
        "Origin: http://localhost:6274".to_owned(),
        "Origin: https://evil.example".to_owned(),
    ];
    let r = raw(&server, &head("/mcp", &token, &extra), &whoami_body()).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.body, "Bad Request: more than one Origin header");
    // before anything else: even without a token
    let r = raw(
        &server,
        &format!(
            "POST /mcp HTTP/1.1\r\nHost: {host}\r\nHost: {host}\r\nContent-Type: application/json"
        ),
        &whoami_body(),
    )
    .await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn an_absolute_form_target_is_held_to_the_host_allow_list() {
    let issuer = TestIssuer::start().await;
    let server = serve(&issuer).await;
    let token = issuer.oauth_token("user_1").sign();
    let host = server.base.trim_start_matches("http://").to_owned();
    // a good authority agreeing with Host: served
    let r = raw(
        &server,
        &head(
            &format!("http://{host}/mcp"),
            &token,
            &[format!("Host: {host}")],
        ),
        &whoami_body(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("user_1|"), "{}", r.body);
    // a foreign authority with a good Host: the two disagree → 400
    let evil = head(
        "http://evil.example/mcp",
        &token,
        &[format!("Host: {host}")],
    );
    let r = raw(&server, &evil, &whoami_body()).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.body.contains("authority and the Host header disagree"),
        "{}",
        r.body
    );
    // the same host on another port disagrees too
    let port = head("http://127.0.0.1:1/mcp", &token, &[format!("Host: {host}")]);
    assert_eq!(raw(&server, &port, &whoami_body()).await.status, 400);
    // a foreign authority and the same foreign Host: the allow-list refuses it
    let r = raw(
        &server,
        &head(
            "http://evil.example/mcp",
            &token,
            &["Host: evil.example".to_owned()],
        ),
        &whoami_body(),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.starts_with("Forbidden: Host"), "{}", r.body);
    // userinfo in the target: refused
    let r = raw(
        &server,
        &head(
            &format!("http://x@{host}/mcp"),
            &token,
            &[format!("Host: {host}")],
        ),
        &whoami_body(),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
}

/// Asserts a JSON-RPC error answer: 400, `application/json`, `id: null`, `code`.
async fn assert_rpc_error(r: reqwest::Response, code: i64) -> Value {
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["content-type"], "application/json");
    let m: Value = r.json().await.expect("a JSON body");
    assert_eq!(m["jsonrpc"], "2.0", "{m}");
    assert_eq!(m["id"], Value::Null, "{m}");
    assert_eq!(m["error"]["code"], code, "{m}");
    m
}

/// POSTs raw `body` (2025-11-25 headers) as the holder of `token`.
async fn post_raw(url: &str, token: Option<&str>, body: &'static str) -> reqwest::Response {
    let req = mcp_post(url)
        .header("mcp-protocol-version", "2025-11-25")
        .body(body);
    send_as(req, token).await
}

#[tokio::test]
async fn malformed_json_is_a_parse_error_peeked_or_not() {
    let issuer = TestIssuer::start().await;
    let server = serve(&issuer).await;
    let token = issuer.oauth_token("user_1").sign();
    for body in [
        "{",
        "not json",
        "",
        r#"{"jsonrpc":"2.0","id":1,"method":"ping"} x"#,
    ] {
        // anonymous: the gate peeks; authenticated: the body streams to rmcp unread
        for token in [None, Some(token.as_str())] {
            let m = assert_rpc_error(post_raw(&server.url, token, body).await, -32700).await;
            assert_eq!(m["error"]["message"], "Parse error", "{m}");
            assert!(
                !m.to_string()
                    .contains(&issuer.oauth_token("user_1").sign()[..20])
            );
        }
    }
    // a valid request still works on both paths
    assert_tool_answer(post(&server.url, None, &call("ping")).await, "pong").await;
    let r = post(&server.url, Some(&token), &call("whoami")).await;
    assert_eq!(r.status(), 200);
    // a Content-Type that is not JSON is still rmcp's 415
    let r = client()
        .post(&server.url)
        .header("content-type", "text/plain")
        .header("accept", ACCEPT)
        .bearer_auth(&token)
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
}

#[tokio::test]
async fn anonymous_callers_of_a_protected_server_are_challenged_before_parsing() {
    let issuer = TestIssuer::start().await;
    let server = start(
        McpServer::new("s", "1")
            .clerk(issuer.config())
            .tools([whoami()]),
    )
    .await;
    let r = post_raw(&server.url, None, "{").await;
    assert_eq!(r.status(), 401);
    assert!(challenge(&r).contains("resource_metadata="));
    let token = issuer.oauth_token("user_1").sign();
    assert_rpc_error(post_raw(&server.url, Some(&token), "{").await, -32700).await;
}

#[tokio::test]
async fn json_that_is_not_json_rpc_is_an_invalid_request() {
    let issuer = TestIssuer::start().await;
    let server = serve(&issuer).await;
    let token = issuer.oauth_token("user_1").sign();
    for body in [
        "42",
        r#""tools/call""#,
        "null",
        r#"{"id":1,"method":"ping"}"#,
        r#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#,
        r#"{"jsonrpc":"2.0","id":{"x":1},"method":"ping"}"#,
        "[]",
    ] {
        for token in [None, Some(token.as_str())] {
            let m = assert_rpc_error(post_raw(&server.url, token, body).await, -32600).await;
            assert_eq!(m["error"]["message"], "Invalid Request", "{body}: {m}");
        }
    }
    // a known method with params rmcp cannot read: -32602, with the id
    let r = post_raw(
        &server.url,
        Some(&token),
        r#"{"jsonrpc":"2.0","id":9,"method":"tools/call","params":5}"#,
    )
    .await;
    assert_eq!(r.status(), 400);
    let m: Value = r.json().await.unwrap();
    assert_eq!(
        (m["error"]["code"].clone(), m["id"].clone()),
        (json!(-32602), json!(9)),
        "{m}"
    );
}

/// A JSON-RPC batch of two pings.
const BATCH: &str =
    r#"[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"ping"}]"#;

async fn post_batch(
    url: &str,
    token: Option<&str>,
    version: Option<&str>,
    body: &'static str,
) -> reqwest::Response {
    let mut req = mcp_post(url).body(body);
    if let Some(v) = version {
        req = req.header("mcp-protocol-version", v);
    }
    send_as(req, token).await
}

#[tokio::test]
async fn batches_are_refused_on_versions_without_them() {
    let issuer = TestIssuer::start().await;
    let server = serve(&issuer).await;
    let token = issuer.oauth_token("user_1").sign();
    for version in ["2025-06-18", "2025-11-25"] {
        for token in [None, Some(token.as_str())] {
            let r = post_batch(&server.url, token, Some(version), BATCH).await;
            let m = assert_rpc_error(r, -32600).await;
            let message = m["error"]["message"].as_str().unwrap();
            assert_eq!(
                message,
                format!(
                    "Invalid Request: JSON-RPC batches are not supported in protocol version {version}"
                )
            );
        }
    }
    // without the header, an initialize in the batch names the version
    let init = r#"[{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}]"#;
    let m = assert_rpc_error(
        post_batch(&server.url, Some(&token), None, init).await,
        -32600,
    )
    .await;
    assert!(
        m["error"]["message"]
            .as_str()
            .unwrap()
            .ends_with("protocol version 2025-11-25"),
        "{m}"
    );
    // 2025-03-26 (also assumed without the header) allowed batches: not
    // refused for the version, but this server reads one message per request
    for version in [None, Some("2025-03-26")] {
        let r = post_batch(&server.url, Some(&token), version, BATCH).await;
        let m = assert_rpc_error(r, -32600).await;
        assert_eq!(m["error"]["message"], "Invalid Request", "{m}");
        let detail = m["error"]["data"]["detail"].as_str().unwrap();
        assert!(detail.contains("does not process JSON-RPC batches"), "{m}");
    }
}
