//! A real headless Chromium (Debian `chromium`, driven by `playwright-core`)
//! answers the emulator's consent page during a full OAuth flow run by the
//! official TypeScript SDK client: it picks a dev user and an organization,
//! approves, and the client calls a tool with the resulting token. The page
//! is kept as `<target dir>/artifacts/consent.png` (`CARGO_TARGET_DIR`
//! respected). The browser is `chromium` or `chromium-browser` on `PATH`.

mod clients_support;

use clients_support::{
    assert_in_order, find_in, find_on_path, node_script, target_dir, target_dir_from,
};
use mcp_clerk::dev::DevClerk;
use mcp_clerk_examples::{Clerk, quickstart};

/// The names Debian and Ubuntu give the Chromium binary.
const CHROMIUM: &[&str] = &["chromium", "chromium-browser"];

#[tokio::test(flavor = "multi_thread")]
async fn chromium_picks_an_organization_on_the_consent_page() {
    let chromium = find_on_path(CHROMIUM).unwrap_or_else(|| {
        panic!(
            "none of {CHROMIUM:?} on PATH: apt-get install -y chromium (scripts/test.sh does it)"
        )
    });
    let dev = DevClerk::new().start().await.unwrap();
    let running = quickstart::start("127.0.0.1:0", Clerk::Dev(dev))
        .await
        .unwrap();
    let artifacts = target_dir().join("artifacts");
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
            chromium.to_str().unwrap(),
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

#[test]
fn the_browser_is_looked_up_on_path() {
    use std::os::unix::fs::PermissionsExt as _;
    let root = std::env::temp_dir().join(format!("mcp-clerk-path-{}", std::process::id()));
    let (a, b) = (root.join("a"), root.join("b"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    // `a/chromium` is not executable; `b/chromium-browser` is
    std::fs::write(a.join("chromium"), "").unwrap();
    std::fs::write(b.join("chromium-browser"), "#!/bin/sh\n").unwrap();
    std::fs::set_permissions(
        b.join("chromium-browser"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let path = std::env::join_paths([&a, &b]).unwrap();
    assert_eq!(find_in(&path, CHROMIUM), Some(b.join("chromium-browser")));
    std::fs::set_permissions(a.join("chromium"), std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(find_in(&path, CHROMIUM), Some(a.join("chromium")));
    assert_eq!(find_in(std::ffi::OsStr::new(""), CHROMIUM), None);
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn artifacts_follow_cargo_target_dir() {
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap();
    assert_eq!(target_dir_from(None), workspace.join("target"));
    assert_eq!(target_dir_from(Some("".into())), workspace.join("target"));
    assert_eq!(
        target_dir_from(Some("/tmp/elsewhere".into())),
        std::path::Path::new("/tmp/elsewhere")
    );
    assert_eq!(
        target_dir_from(Some("build/out".into())),
        workspace.join("build/out")
    );
}
