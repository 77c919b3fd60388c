//! Logs of a full run at TRACE level (mcp-clerk, rmcp, hyper, reqwest …):
//! a span per tool call with its fields, and no token or `Authorization`
//! value anywhere.
#![cfg(feature = "testing")]

#[path = "integration/http_support/mod.rs"]
mod http_support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use http_support::*;
use mcp_clerk::__private::rmcp::ServiceExt;
use mcp_clerk::__private::rmcp::model::CallToolRequestParams;
use mcp_clerk::__private::rmcp::transport::StreamableHttpClientTransport;
use mcp_clerk::__private::rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use mcp_clerk::testing::TestIssuer;
use mcp_clerk::{McpServer, SessionMode};

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_carry_tool_spans_and_never_tokens() {
    let buffer = Buffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(buffer.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("global subscriber");

    let issuer = TestIssuer::start().await;
    let config = oauth_and_session_config(&issuer);
    let mut tokens = Vec::new();
    for mode in [SessionMode::Stateless, SessionMode::Stateful] {
        let server = start(
            McpServer::new("traced", "1")
                .clerk(config.clone())
                .session_mode(mode)
                .tools([ping(), whoami(), notes(), admin_only()]),
        )
        .await;
        let good = issuer
            .oauth_token("user_traced")
            .client_id("client_traced")
            .scope("email user:org:read")
            .org_id("org_traced")
            .sign();
        let expired = issuer.oauth_token("user_traced").expired().sign();
        let forged = issuer
            .oauth_token("user_traced")
            .signed_by_wrong_key()
            .sign();
        let member = issuer
            .session_token("user_member")
            .org("org_m", "m", "member")
            .sign();

        // the rmcp client over HTTP with a bearer token
        let transport = StreamableHttpClientTransport::from_config(
            StreamableHttpClientTransportConfig::with_uri(server.url.clone())
                .auth_header(good.clone()),
        );
        let client = ().serve(transport).await.expect("connect");
        client.list_all_tools().await.unwrap();
        client
            .call_tool(CallToolRequestParams::new("whoami"))
            .await
            .unwrap();
        client.cancel().await.unwrap();

        // raw requests: insufficient scope, expired, forged, forbidden
        assert_eq!(
            post(&server.url, Some(&good), &call("notes"))
                .await
                .status(),
            403
        );
        assert_eq!(
            post(&server.url, Some(&expired), &call("whoami"))
                .await
                .status(),
            401
        );
        assert_eq!(
            post(&server.url, Some(&forged), &call("whoami"))
                .await
                .status(),
            401
        );
        let r = post(&server.url, Some(&member), &call("admin_only")).await;
        if mode == SessionMode::Stateless {
            assert!(tool_text(&message(r).await).1);
        }
        server.stop().await;
        tokens.extend([good, expired, forged, member]);
    }

    // The Backend API handle with a refused secret key: one error line that
    // names CLERK_SECRET_KEY, never the key, however many reads fail.
    #[cfg(feature = "dev")]
    const WRONG_KEY: &str = "sk_test_wrong_key_for_the_log";
    #[cfg(feature = "dev")]
    {
        let dev = mcp_clerk::dev::DevClerk::new().start().await.unwrap();
        let clerk = mcp_clerk::Clerk::new(WRONG_KEY).api_url(dev.backend_api_url());
        for id in ["user_alice", "user_bob", "user_alice"] {
            let err = clerk.users().get(id).await.unwrap_err();
            assert_eq!(err.reason(), "secret-key-invalid");
        }
    }

    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    #[cfg(feature = "dev")]
    {
        let refused: Vec<&str> = logs
            .lines()
            .filter(|l| l.contains("ERROR") && l.contains("refused CLERK_SECRET_KEY"))
            .collect();
        assert_eq!(refused.len(), 1, "{refused:?}");
        assert!(
            !logs.contains(WRONG_KEY),
            "the secret key leaked into the logs"
        );
    }
    assert!(logs.contains("TRACE"), "TRACE level was captured");
    assert!(logs.contains("mcp.tool_call"), "tool-call span present");
    let line = logs
        .lines()
        .find(|l| l.contains("mcp.tool_call") && l.contains("tool=whoami") && l.contains("outcome"))
        .expect("a whoami tool call event");
    for field in [
        "user_id=\"user_traced\"",
        "org_id=\"org_traced\"",
        "client_id=\"client_traced\"",
        "outcome=\"ok\"",
        "latency_us=",
    ] {
        assert!(line.contains(field), "{field} missing in: {line}");
    }
    assert!(
        logs.lines()
            .any(|l| l.contains("tool=admin_only") && l.contains("outcome=\"forbidden\"")),
        "forbidden outcome logged"
    );
    for token in &tokens {
        // whole token, and each of its three parts (header, claims, signature)
        assert!(
            !logs.contains(token.as_str()),
            "a token leaked into the logs"
        );
        for part in token.split('.') {
            assert!(
                part.len() < 16 || !logs.contains(part),
                "a token part leaked into the logs"
            );
        }
    }
    assert!(!logs.contains("Bearer ey"), "a bearer value leaked");
    for line in logs.lines() {
        let lower = line.to_ascii_lowercase();
        if let Some(i) = lower.find("authorization") {
            let rest = &lower[i..];
            assert!(
                !rest.contains("bearer"),
                "an Authorization value was logged: {line}"
            );
        }
    }
}
