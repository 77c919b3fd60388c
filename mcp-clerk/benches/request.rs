//! One MCP `tools/call` through the whole server in process (router, CORS,
//! gate, rmcp, dispatcher, tool, JSON response), without sockets: the
//! stable, low-noise counterpart of `bash bench/load.sh`. The same `echo`
//! tool is served three ways, side by side:
//!
//! - `off`: auth switched off (public tool, no Clerk config);
//! - `off_with_header`: the same server, the request carrying the token;
//! - `auth`: the tool requires a signed-in user; the token is verified
//!   (a cache hit after the first call) and the identity reaches the tool.
//!
//! Run: `cargo bench -p mcp-clerk --bench request --features testing`.

// `criterion_group!` defines an undocumented `pub fn`.
#![allow(missing_docs)]

use std::hint::black_box;

use axum::body::Body;
use criterion::{Criterion, criterion_group, criterion_main};
use http_body_util::BodyExt;
use mcp_clerk::McpServer;
use mcp_clerk::policy::{Requirement, ToolPolicy};
use mcp_clerk::prelude::*;
use mcp_clerk::testing::{ACCEPT, TestIssuer};
use tower::ServiceExt;

/// Echoes `message`, prefixed with the caller's id when there is one.
#[tool(auth = optional)]
async fn echo(user: Option<ClerkUser>, message: String) -> String {
    match user {
        Some(user) => format!("{}: {message}", user.id()),
        None => message,
    }
}

const BODY: &str = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"}}}"#;

fn request(token: Option<&str>) -> http::Request<Body> {
    let mut builder = http::Request::post("http://127.0.0.1/mcp")
        .header("host", "127.0.0.1")
        .header("content-type", "application/json")
        .header("accept", ACCEPT)
        .header("mcp-protocol-version", "2025-11-25");
    if let Some(token) = token {
        builder = builder.header("authorization", format!("Bearer {token}"));
    }
    builder.body(Body::from(BODY)).expect("request")
}

async fn call(router: &axum::Router, token: Option<&str>) -> bytes::Bytes {
    let response = router
        .clone()
        .oneshot(request(token))
        .await
        .expect("infallible");
    assert_eq!(response.status(), 200);
    response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (issuer, auth, off) = rt.block_on(async {
        let issuer = TestIssuer::start().await;
        let required = ToolPolicy::new().auth(Requirement::Required);
        let auth = McpServer::new("bench", "1")
            .clerk(issuer.config())
            .tools(
                tools![echo]
                    .into_iter()
                    .map(|t| t.with_policy(required.clone())),
            )
            .into_router()
            .expect("auth router");
        let off = McpServer::new("bench", "1")
            .tools(
                tools![echo]
                    .into_iter()
                    .map(|t| t.with_policy(ToolPolicy::new())),
            )
            .into_router()
            .expect("off router");
        (issuer, auth, off)
    });
    let token = issuer.oauth_token("user_bench").sign();
    // warm the token cache and check both answer what the load test expects
    let answer = rt.block_on(call(&auth, Some(&token)));
    assert!(String::from_utf8_lossy(&answer).contains("user_bench: hello"));
    let answer = rt.block_on(call(&off, None));
    assert!(String::from_utf8_lossy(&answer).contains("hello"));

    let mut group = c.benchmark_group("request");
    group.bench_function("off", |b| {
        b.iter(|| black_box(rt.block_on(call(&off, None))))
    });
    group.bench_function("off_with_header", |b| {
        b.iter(|| black_box(rt.block_on(call(&off, Some(&token)))))
    });
    group.bench_function("auth", |b| {
        b.iter(|| black_box(rt.block_on(call(&auth, Some(&token)))))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
