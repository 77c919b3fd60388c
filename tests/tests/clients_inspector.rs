//! MCP Inspector's CLI (`@modelcontextprotocol/inspector@2.12.0`, on the
//! pinned Node 22) completes the whole OAuth flow against the quickstart and
//! the local Clerk emulator with no browser: `BROWSER` is a script that
//! follows the authorize URL with Node's `fetch` (`browser-follow.mjs`; the
//! emulator auto-consents) back to the Inspector's loopback callback.

mod clients_support;

use std::path::PathBuf;

use clients_support::{
    OAUTH_FLOW, assert_in_order, assert_token_format, js_dir, node, quickstart_recorded, run,
    timeline,
};
use mcp_clerk::dev::{DevClerk, DevTokenFormat};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "mcp-clerk-{name}-{}-{}",
        std::process::id(),
        free_port()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread")]
async fn inspector_cli_runs_the_full_flow_headless() {
    inspector_full_flow(DevTokenFormat::Jwt).await;
}

/// The same with opaque `oat_…` access tokens, verified through the Backend API.
#[tokio::test(flavor = "multi_thread")]
async fn inspector_cli_runs_the_full_flow_with_opaque_tokens() {
    inspector_full_flow(DevTokenFormat::Opaque).await;
}

async fn inspector_full_flow(format: DevTokenFormat) {
    let dev = DevClerk::new()
        .auto_consent(true)
        .token_format(format)
        .start()
        .await
        .unwrap();
    let issuer = dev.issuer().to_owned();
    let running = quickstart_recorded(dev).await;

    let js = js_dir();
    let node = node(&js);
    let node_bin = node.parent().unwrap().to_str().unwrap().to_owned();
    let path = format!("{node_bin}:{}", std::env::var("PATH").unwrap_or_default());
    let home = scratch("inspector-home");
    let browser_log = home.join("browser.log");
    let browser = js.join("browser-follow.sh");
    let launcher =
        js.join("node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js");
    let callback = format!("http://127.0.0.1:{}/oauth/callback", free_port());
    let env = [
        ("HOME", home.to_str().unwrap()),
        ("PATH", path.as_str()),
        ("MCP_INSPECTOR_SECRET_STORE", "file"),
        ("MCP_AUTO_OPEN_ENABLED", "true"),
        ("BROWSER", browser.to_str().unwrap()),
        ("BROWSER_FOLLOW_LOG", browser_log.to_str().unwrap()),
        ("NO_COLOR", "1"),
    ];
    let out = run(
        &node,
        &[
            launcher.to_str().unwrap(),
            "--cli",
            &running.mcp_url,
            "--transport",
            "http",
            "--method",
            "tools/call",
            "--tool-name",
            "whoami",
            "--format",
            "json",
            "--callback-url",
            &callback,
        ],
        &env,
        std::time::Duration::from_secs(90),
    )
    .await;
    let result = out.json();
    let me = &result["result"]["structuredContent"];
    assert_eq!(me["user_id"], "user_alice");
    assert_eq!(me["org_id"], "org_acme");
    let client_id = me["client_id"].as_str().unwrap();
    assert!(
        !client_id.is_empty() && client_id != "dev_client",
        "a dynamically registered client"
    );

    // The "browser" saw the authorize URL (PKCE S256, resource) and landed on
    // the Inspector's callback with a code, the state and the issuer.
    let log = std::fs::read_to_string(&browser_log).unwrap();
    let opened = log
        .lines()
        .find_map(|l| l.strip_prefix("open "))
        .expect("authorize URL opened");
    let authorize = url::Url::parse(opened).unwrap();
    assert!(opened.starts_with(&format!("{issuer}/oauth/authorize?")));
    let q: std::collections::HashMap<_, _> = authorize.query_pairs().into_owned().collect();
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["resource"], running.mcp_url);
    let landed = log
        .lines()
        .find_map(|l| l.strip_prefix("final "))
        .expect("callback reached");
    assert!(
        landed.starts_with(&callback) && landed.contains("code=") && landed.ends_with(" 200"),
        "{landed}"
    );

    // One timeline of both servers: Inspector got the 401 from the MCP
    // server, fetched its protected resource metadata, then ran discovery,
    // registration, authorization and the token exchange at the emulator, and
    // retried the MCP request with the token.
    let steps = timeline(&running);
    assert_in_order(&steps, &OAUTH_FLOW);

    // A second run reuses the stored registration and tokens: no new login.
    let out = run(
        &node,
        &[
            launcher.to_str().unwrap(),
            "--cli",
            &running.mcp_url,
            "--transport",
            "http",
            "--method",
            "tools/list",
            "--format",
            "json",
            "--callback-url",
            &callback,
        ],
        &env,
        std::time::Duration::from_secs(60),
    )
    .await;
    let listed = out.json();
    let names: Vec<&str> = listed["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"whoami") && names.contains(&"ping"),
        "{names:?}"
    );
    let opens = std::fs::read_to_string(&browser_log)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("open "))
        .count();
    assert_eq!(opens, 1, "the stored token was reused");
    assert_token_format(&running, format);

    let _ = std::fs::remove_dir_all(&home);
    running.stop().await.unwrap();
}
