//! `scripts/test.sh` (the README's test command) installs exactly the Debian
//! packages that are missing — `node`, `npm`, `chromium`, `nginx` and `redis-server` are
//! checked one by one, since Debian's `nodejs` does not ship `npm` — with one
//! `apt-get update`, through `sudo` when not root, then runs the workspace
//! tests. nginx also counts as present at `$NGINX` (default `/usr/sbin/nginx`,
//! off a user's `PATH`); the sandbox points `NGINX` at a file of its own.
//!
//! The script runs with a `PATH` holding only stubs that record their calls.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Sandbox {
    dir: PathBuf,
}

impl Sandbox {
    /// A stub directory with `present` commands that do nothing, recorders for
    /// `apt-get`, `sudo` and `cargo`, `id -u` answering `uid`, and the real
    /// `dirname` and `env`; `sbin/nginx` exists when `present` has `sbin/nginx`.
    fn new(name: &str, present: &[&str], uid: u32, with_sudo: bool) -> Self {
        let dir =
            std::env::temp_dir().join(format!("mcp-clerk-test-sh-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let bin = dir.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::create_dir_all(dir.join("sbin")).unwrap();
        let log = dir.join("calls.log");
        let stub = |name: &str, body: &str| {
            let path = bin.join(name);
            std::fs::write(&path, format!("#!/bin/bash\n{body}\n")).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        };
        for cmd in present {
            if let Some(sbin) = cmd.strip_prefix("sbin/") {
                let path = dir.join("sbin").join(sbin);
                std::fs::write(&path, "#!/bin/bash\nexit 0\n").unwrap();
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
            } else {
                stub(cmd, "exit 0");
            }
        }
        let record = |name: &str| {
            format!(
                "echo \"{name} DEBIAN_FRONTEND=${{DEBIAN_FRONTEND:-}} $*\" >> '{}'",
                log.display()
            )
        };
        stub("apt-get", &record("apt-get"));
        stub("cargo", &record("cargo"));
        if with_sudo {
            stub("sudo", &format!("{}\nexec \"$@\"", record("sudo")));
        }
        stub("id", &format!("echo {uid}"));
        for real in ["dirname", "env"] {
            let target = ["/usr/bin", "/bin"]
                .iter()
                .map(|d| Path::new(d).join(real))
                .find(|p| p.exists())
                .unwrap_or_else(|| panic!("no {real} on this machine"));
            std::os::unix::fs::symlink(target, bin.join(real)).unwrap();
        }
        Self { dir }
    }

    /// Runs the script; returns (success, recorded calls).
    fn run(&self) -> (bool, Vec<String>, String) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/test.sh");
        let out = Command::new("/bin/bash")
            .arg(script)
            .arg("--extra-arg")
            .env_clear()
            .env("PATH", self.dir.join("bin"))
            .env("NGINX", self.dir.join("sbin/nginx"))
            .output()
            .unwrap();
        let calls = std::fs::read_to_string(self.dir.join("calls.log")).unwrap_or_default();
        (
            out.status.success(),
            calls.lines().map(str::to_owned).collect(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn apt_calls(calls: &[String]) -> Vec<&str> {
    calls
        .iter()
        .filter(|c| c.starts_with("apt-get"))
        .map(String::as_str)
        .collect()
}

#[test]
fn node_without_npm_installs_npm_only_through_sudo() {
    let sandbox = Sandbox::new(
        "npm",
        &["node", "chromium", "nginx", "redis-server"],
        1000,
        true,
    );
    let (ok, calls, stderr) = sandbox.run();
    assert!(ok, "{stderr}");
    assert_eq!(
        apt_calls(&calls),
        [
            "apt-get DEBIAN_FRONTEND=noninteractive update -qq",
            "apt-get DEBIAN_FRONTEND=noninteractive install -y -qq --no-install-recommends npm",
        ],
        "{calls:?}"
    );
    assert_eq!(
        calls.iter().filter(|c| c.starts_with("sudo")).count(),
        2,
        "not root: both apt-get calls through sudo: {calls:?}"
    );
    assert_eq!(
        calls.last().map(String::as_str),
        Some("cargo DEBIAN_FRONTEND= test --workspace --all-features --locked --extra-arg")
    );
}

#[test]
fn everything_missing_as_root_installs_all_five_with_one_update() {
    let sandbox = Sandbox::new("all", &[], 0, false);
    let (ok, calls, stderr) = sandbox.run();
    assert!(ok, "{stderr}");
    assert_eq!(
        apt_calls(&calls),
        [
            "apt-get DEBIAN_FRONTEND=noninteractive update -qq",
            "apt-get DEBIAN_FRONTEND=noninteractive install -y -qq --no-install-recommends nodejs npm chromium nginx redis-server",
        ],
        "{calls:?}"
    );
    assert!(calls.iter().any(|c| c.starts_with("cargo ")));
}

#[test]
fn chromium_browser_counts_as_the_browser_and_nothing_is_installed() {
    // nginx where Debian puts it, off PATH
    let sandbox = Sandbox::new(
        "none",
        &[
            "node",
            "npm",
            "chromium-browser",
            "sbin/nginx",
            "redis-server",
        ],
        1000,
        false,
    );
    let (ok, calls, stderr) = sandbox.run();
    assert!(ok, "{stderr}");
    assert!(apt_calls(&calls).is_empty(), "{calls:?}");
    assert_eq!(calls.len(), 1, "{calls:?}");
}

#[test]
fn missing_packages_without_root_or_sudo_fail_clearly() {
    let sandbox = Sandbox::new(
        "nosudo",
        &["node", "npm", "nginx", "redis-server"],
        1000,
        false,
    );
    let (ok, calls, stderr) = sandbox.run();
    assert!(!ok);
    assert!(
        stderr.contains("chromium") && stderr.contains("sudo"),
        "{stderr}"
    );
    assert!(
        calls.is_empty(),
        "nothing installed, no tests run: {calls:?}"
    );
}
