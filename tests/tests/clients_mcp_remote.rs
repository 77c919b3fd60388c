//! `mcp-remote@0.15.1`, the stdio↔HTTP bridge the quickstart's Claude Desktop
//! config runs, completes the OAuth flow against the quickstart and the local
//! Clerk emulator: it initializes anonymously (the quickstart has a public
//! tool), gets the 401 challenge when a protected tool is called, signs in
//! (`BROWSER` follows the authorize URL; the emulator auto-consents) and
//! answers the call — all over stdin/stdout like Claude Desktop.

mod clients_support;

use std::process::Stdio;
use std::time::Duration;

use clients_support::{assert_in_order, assert_token_format, js_dir, node};
use mcp_clerk::dev::{DevClerk, DevTokenFormat};
use mcp_clerk_examples::{Clerk, quickstart};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

#[tokio::test(flavor = "multi_thread")]
async fn mcp_remote_bridge_signs_in_mid_session() {
    mcp_remote_flow(DevTokenFormat::Jwt).await;
}

/// The same with opaque `oat_…` access tokens, verified through the Backend API.
#[tokio::test(flavor = "multi_thread")]
async fn mcp_remote_bridge_signs_in_with_opaque_tokens() {
    mcp_remote_flow(DevTokenFormat::Opaque).await;
}

async fn mcp_remote_flow(format: DevTokenFormat) {
    let dev = DevClerk::new()
        .auto_consent(true)
        .token_format(format)
        .start()
        .await
        .unwrap();
    let running = quickstart::start("127.0.0.1:0", Clerk::Dev(dev))
        .await
        .unwrap();

    let js = js_dir();
    let node = node(&js);
    let path = format!(
        "{}:{}",
        node.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // One home per flow: mcp-remote keeps its OAuth state (discovery,
    // verifier) under it, and the flows of this binary run concurrently.
    let home = std::env::temp_dir().join(format!(
        "mcp-clerk-mcp-remote-{}-{format:?}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).unwrap();
    let browser_log = home.join("browser.log");
    let mut child = tokio::process::Command::new(&node)
        .arg(js.join("node_modules/mcp-remote/dist/proxy.js"))
        .args([running.mcp_url.as_str(), "--transport", "http-only"])
        .current_dir(&js)
        .env("HOME", &home)
        .env("PATH", path)
        .env("BROWSER", js.join("browser-follow.sh"))
        .env("BROWSER_FOLLOW_LOG", &browser_log)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();

    let mut exchange = async |message: Value| -> Value {
        stdin
            .write_all(format!("{message}\n").as_bytes())
            .await
            .unwrap();
        stdin.flush().await.unwrap();
        let Some(id) = message.get("id").cloned() else {
            return Value::Null;
        };
        loop {
            let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
                .await
                .expect("mcp-remote answered in time")
                .unwrap()
                .expect("mcp-remote exited early");
            let reply: Value = serde_json::from_str(&line).unwrap();
            if reply.get("id") == Some(&id) {
                return reply;
            }
        }
    };

    let init = exchange(
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "claude-desktop-like", "version": "1"}}}),
    )
    .await;
    assert_eq!(init["result"]["serverInfo"]["name"], "mcp-clerk-quickstart");
    exchange(json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).await;
    let me = exchange(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "whoami", "arguments": {}}}))
    .await;
    assert_eq!(
        me["result"]["structuredContent"]["user_id"], "user_alice",
        "{me}"
    );
    assert_eq!(me["result"]["structuredContent"]["org_id"], "org_acme");

    let emulator = running.clerk.dev_server().unwrap().request_log();
    assert_in_order(
        &emulator,
        &[
            "POST /oauth/register 201",
            "GET /oauth/authorize 302",
            "POST /oauth/token 200",
        ],
    );
    let log = std::fs::read_to_string(&browser_log).unwrap();
    assert!(
        log.lines()
            .any(|l| l.starts_with("final ") && l.contains("code=")),
        "{log}"
    );

    drop(stdin);
    let _ = tokio::time::timeout(Duration::from_secs(10), child.wait()).await;
    let _ = std::fs::remove_dir_all(&home);
    assert_token_format(&running, format);
    running.stop().await.unwrap();
}
