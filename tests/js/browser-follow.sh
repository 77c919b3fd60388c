#!/bin/sh
# A headless "browser" for CLI OAuth clients (set as $BROWSER): follows the
# authorize URL with curl through the redirects, including the final one to
# the client's loopback callback, so the client receives the code. Assumes the
# authorization server auto-consents (MCP_CLERK_DEV_AUTO_CONSENT=1).
url="$1"
log="${BROWSER_FOLLOW_LOG:-/dev/null}"
echo "open $url" >>"$log"
# Run detached: the opener may wait for the browser to exit.
(curl -sS -L --max-redirs 10 -o /dev/null -w 'final %{url_effective} %{http_code}\n' "$url" >>"$log" 2>&1 &)
exit 0
