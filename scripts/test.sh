#!/usr/bin/env bash
# Runs every test of the workspace on a fresh machine: installs what the suite needs
# (Debian packages for the browser, real-client, nginx and Redis tests; the pinned npm packages and
# Node 22 are installed by the tests themselves into target/js-deps), then runs unit,
# integration, UI, doc and end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each command is checked on its own: Debian's `nodejs` does not ship `npm`, and the
# browser may be present without Node (or the other way round).
need_apt=()
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  need_apt+=(chromium)
fi
# nginx (examples/tests/nginx_replicas.rs): Debian installs it as /usr/sbin/nginx, which
# is not on a non-root user's PATH; NGINX names another binary (the test reads it too).
if ! command -v nginx >/dev/null 2>&1 && [ ! -x "${NGINX:-/usr/sbin/nginx}" ]; then
  need_apt+=(nginx)
fi
# redis-server (the session store tests start their own, on an ephemeral port).
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
if [ ${#need_apt[@]} -gt 0 ]; then
  sudo=()
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      echo "error: missing ${need_apt[*]}; not root and no sudo to install them" >&2
      exit 1
    fi
  fi
  echo "installing Debian packages: ${need_apt[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

cargo test --workspace --all-features --locked "$@"
