//! The built `quickstart` binary, run as a user would (`cargo run --bin
//! quickstart`) with no Clerk settings: it starts the emulator, prints the MCP
//! URL and a token, and that token works against the printed URL.

use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use mcp_clerk::testing::call_tool;
use serde_json::json;

mod support;

use support::{Kill, example_command, forward_lines};

#[tokio::test]
async fn the_quickstart_binary_prints_a_url_and_a_working_token() {
    // no Clerk settings at all: the emulator path
    let mut cmd = example_command(env!("CARGO_BIN_EXE_quickstart"));
    cmd.env("MCP_CLERK_DEV_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = Kill(cmd.spawn().expect("spawn quickstart"));
    let stdout = child.0.stdout.take().unwrap();
    let stderr = child.0.stderr.take().unwrap();

    // Lines from both streams, read on threads so a silent child cannot hang us.
    let (tx, rx) = mpsc::channel::<String>();
    forward_lines(stdout, tx.clone());
    forward_lines(stderr, tx);

    let mut seen = Vec::new();
    let (mut url, mut token, mut banner) = (None, None, false);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while url.is_none() || token.is_none() || !banner {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let line = match rx.recv_timeout(left) {
            Ok(line) => line,
            Err(e) => panic!(
                "no URL and token from the quickstart ({e}); it printed:\n{}",
                seen.join("\n")
            ),
        };
        if let Some(u) = line.trim().strip_prefix("MCP endpoint") {
            url = Some(u.trim().to_owned());
        }
        if let Some(t) = line.trim().strip_prefix("export TOKEN=") {
            token = Some(t.trim().to_owned());
        }
        // the emulator's development-only warning, on stderr
        banner |= line.contains("mcp-clerk DEV Clerk emulator at http://127.0.0.1:");
        seen.push(line);
    }
    let (url, token) = (url.unwrap(), token.unwrap());
    let printed = seen.join("\n");
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with("/mcp"),
        "{url}"
    );
    assert!(
        printed.contains("mcp-clerk DEV Clerk emulator")
            && printed.contains("local emulator at http://127.0.0.1:"),
        "the emulator path:\n{printed}"
    );
    assert_eq!(token.split('.').count(), 3, "a JWT: {token}");

    let answer = call_tool(&url, Some(&token), "whoami", json!({}))
        .await
        .expect("whoami with the printed token");
    let me = &answer["result"]["structuredContent"];
    assert_eq!(me["user_id"], "user_alice", "{answer}");
    assert_eq!(me["org_id"], "org_acme", "{answer}");
    // and the same call without the token is challenged
    let anonymous = call_tool(&url, None, "whoami", json!({}))
        .await
        .unwrap_err();
    assert!(anonymous.to_string().starts_with("HTTP 401"), "{anonymous}");

    // SIGTERM (what a container runtime sends) stops it gracefully, exit 0
    let pid = child.0.id().to_string();
    let sent = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("run kill");
    assert!(sent.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.0.try_wait().expect("try_wait") {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the quickstart did not stop within 20 s of SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "graceful exit after SIGTERM: {status:?}");
    drop(child);
}
