#!/bin/sh
# $BROWSER for CLI OAuth clients in tests: hands the URL to browser-follow.mjs
# (run with the `node` first on PATH) in the background, as a browser would.
node "$(dirname "$0")/browser-follow.mjs" "$1" >/dev/null 2>&1 &
exit 0
