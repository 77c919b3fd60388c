#!/usr/bin/env bash
# Runs every test of the workspace on a fresh machine: installs what the suite needs
# (Debian packages for the browser test; npm packages are installed by the tests
# themselves into target/), then runs unit, integration, UI, doc and end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing Debian packages: ${need_apt[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "warning: missing ${need_apt[*]} and not root; the browser and JS client tests will fail" >&2
  fi
fi

cargo test --workspace --all-features --locked "$@"
