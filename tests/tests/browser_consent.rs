//! A real headless Chromium (Debian `chromium`, driven by `playwright-core`)
//! answers the emulator's consent page during a full OAuth flow run by the
//! official TypeScript SDK client: it picks a dev user and an organization,
//! approves, and the client calls a tool with the resulting token. The page
//! is kept as `target/artifacts/consent.png`.

mod clients_support;

use std::path::Path;

use clients_support::{assert_in_order, node_script};
use mcp_clerk::dev::DevClerk;
use mcp_clerk_examples::{Clerk, quickstart};

const CHROMIUM: &str = "/usr/bin/chromium";

#[tokio::test(flavor = "multi_thread")]
async fn chromium_picks_an_organization_on_the_consent_page() {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: apt-get install -y chromium (scripts/test.sh does it)"
    );
    let dev = DevClerk::new().start().await.unwrap();
    let running = quickstart::start("127.0.0.1:0", Clerk::Dev(dev))
        .await
        .unwrap();
    let artifacts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let shot = artifacts.join("consent.png");
    let _ = std::fs::remove_file(&shot);

    let out = node_script(
        "ts-client.mjs",
        &[
            "--url",
            &running.mcp_url,
            "--call",
            "whoami",
            "--browser",
            CHROMIUM,
            "--screenshot",
            shot.to_str().unwrap(),
            "--consent",
            "user_alice:org_globex",
        ],
        &[],
    )
    .await
    .json();
    let http: Vec<String> = out["http"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert_in_order(
        &http,
        &[
            "POST /mcp 401",
            "POST /oauth/register 201",
            "BROWSER /oauth/authorize consented",
            "POST /oauth/token 200",
            "POST /mcp 200",
        ],
    );
    let auth = &out["authorizations"][0];
    assert_eq!(
        auth["title"],
        "mcp-clerk TS SDK test wants to access your account"
    );
    let orgs: Vec<&str> = auth["visibleOrgs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        orgs,
        [
            "No organization (personal account)",
            "Acme Inc (acme)",
            "Globex (globex)"
        ]
    );
    let me = &out["results"]["whoami"]["structuredContent"];
    assert_eq!(me["user_id"], "user_alice");
    assert_eq!(
        me["org_id"], "org_globex",
        "the organization picked in the browser"
    );

    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 10_000,
        "{} bytes",
        png.len()
    );
    running.stop().await.unwrap();
}
