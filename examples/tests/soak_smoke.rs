//! The soak client (`src/bin/soak.rs`, run by `bash bench/soak.sh`) cannot
//! rot: a short run with a few clients against the debug `soak_server`, in
//! both session modes, must make every kind of call and get every answer
//! right.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

#[test]
fn a_short_soak_makes_every_kind_of_call_and_gets_every_answer_right() {
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_soak"))
        .args(["--server", env!("CARGO_BIN_EXE_soak_server")])
        .args(["--mode", "both", "--clients", "4", "--duration", "2"])
        .args(["--users", "16", "--settle", "0", "--json"])
        .env_remove("WORKERS")
        .stdin(Stdio::null())
        .output()
        .expect("run the soak binary");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "soak failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(
        !stdout.contains("eyJ") && !stderr.contains("eyJ"),
        "a token was printed"
    );

    let reports: Vec<Value> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("SOAK_JSON "))
        .map(|l| serde_json::from_str(l).expect("SOAK_JSON is JSON"))
        .collect();
    let modes: Vec<&str> = reports.iter().filter_map(|r| r["mode"].as_str()).collect();
    assert_eq!(modes, ["stateless", "stateful"], "{stdout}");
    for report in &reports {
        let mode = &report["mode"];
        let mut expected = vec!["valid", "expired", "forged", "anonymous", "public"];
        if mode == "stateful" {
            expected.extend(["foreign", "initialize", "delete"]);
        }
        let kinds = report["kinds"].as_object().expect("kinds");
        assert_eq!(kinds.len(), expected.len(), "{mode}: {report}");
        for kind in expected {
            let tally = &kinds[kind];
            assert!(
                tally["calls"].as_u64() > Some(0),
                "{mode}: no {kind} call made: {report}"
            );
            assert_eq!(tally["ok"], tally["calls"], "{mode} {kind}: {report}");
        }
        for field in ["wrong", "server_errors", "unexpected", "transport"] {
            assert_eq!(report[field], 0, "{mode} {field}: {report}");
        }
        assert!(
            report["rss_kib"]["peak"].as_u64() > Some(0),
            "{mode}: no RSS sample"
        );
    }
    // the run is bounded by its own clock (2 s per mode plus start-up)
    assert!(started.elapsed() < Duration::from_secs(60));
}
