//! The official MCP conformance suite (`@modelcontextprotocol/conformance`,
//! pinned in `tests/js/package.json`, run with Node 22) in `server` mode:
//! every scenario of spec 2025-11-25 against the fixture server
//! (`examples/src/conformance.rs`, auth off: the suite sends no tokens; all 30
//! scenarios of the active suite pass), with any scenario it cannot pass listed, each with its reason, in
//! `tests/conformance/expected-failures.yml` (the CLI also fails when a listed
//! scenario passes). Then `dns-rebinding-protection` once more against the
//! auth-enabled quickstart.

mod clients_support;

use std::time::Duration;

use clients_support::{Run, js_dir, node, run};
use mcp_clerk::dev::DevClerk;
use mcp_clerk_examples::conformance;

/// Runs the conformance CLI in `server` mode against `url` with `extra` args.
async fn conformance_cli(url: &str, extra: &[&str]) -> Run {
    let js = js_dir();
    let node = node(&js);
    let cli = js.join("node_modules/@modelcontextprotocol/conformance/dist/index.js");
    let cli = cli.to_str().unwrap().to_owned();
    let mut args = vec![
        cli.as_str(),
        "server",
        "--url",
        url,
        "--spec-version",
        "2025-11-25",
    ];
    args.extend_from_slice(extra);
    run(&node, &args, &[], Duration::from_secs(600)).await
}

fn assert_passed(out: &Run) {
    assert!(
        out.status.success(),
        "the conformance suite failed ({}):\n{}\n{}",
        out.status,
        out.stdout,
        out.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_conformance_suite_passes_against_the_fixture() {
    let bound = conformance::server().bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", bound.local_addr());
    let server = tokio::spawn(bound.run_until(std::future::pending()));
    let expected = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/conformance/expected-failures.yml"
    );
    let out = conformance_cli(&url, &["--expected-failures", expected]).await;
    assert_passed(&out);
    // The suite really ran the scenarios (a CLI that ran none would exit 0).
    for scenario in [
        "server-initialize",
        "tools-call-simple-text",
        "tools-call-sampling",
        "tools-call-elicitation",
        "tools-call-with-progress",
        "tools-call-with-logging",
        "resources-read-binary",
        "resources-templates-read",
        "resources-subscribe",
        "prompts-get-with-args",
        "prompts-get-embedded-resource",
        "completion-complete",
        "dns-rebinding-protection",
    ] {
        assert!(
            out.stdout.contains(&format!("✓ {scenario}:")),
            "{scenario} did not pass:\n{}",
            out.stdout
        );
    }
    server.abort();
}

#[tokio::test(flavor = "multi_thread")]
async fn dns_rebinding_protection_holds_with_auth_on() {
    let dev = DevClerk::new().start().await.unwrap();
    let running = clients_support::quickstart_recorded(dev).await;
    let url = running.mcp_url.clone();
    let out = conformance_cli(&url, &["--scenario", "dns-rebinding-protection"]).await;
    assert_passed(&out);
    for check in [
        "localhost-host-rebinding-rejected",
        "localhost-host-valid-accepted",
    ] {
        let passed = out
            .stdout
            .lines()
            .any(|l| l.contains(check) && l.contains("SUCCESS"));
        assert!(passed, "{check} did not pass:\n{}", out.stdout);
    }
    // A foreign Host was refused before auth was consulted.
    assert!(
        running
            .requests
            .entries()
            .iter()
            .any(|l| l.starts_with("POST /mcp 403")),
        "{:?}",
        running.requests.entries()
    );
}
