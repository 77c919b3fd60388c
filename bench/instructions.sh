#!/usr/bin/env bash
# Instructions the load server spends per MCP `tools/call` over loopback HTTP,
# counted by callgrind: the deterministic counterpart of bench/load.sh, whose
# req/s on a shared machine drift by more than auth costs. Same server, same
# tool, same three configs: off (auth switched off), auth (the token verified,
# a cache hit after the first call), hdr (the auth-off server sent the token).
#
# For each config: start `load_server` under callgrind (one worker thread),
# send WARMUP requests, zero the counters, send REQUESTS requests over one
# keep-alive connection, dump. User-space instructions only (the kernel's TCP
# work is not counted; it differs between configs only by the token's bytes).
# Prints instructions per request and auth/off (the cost of auth: 1.000 would
# be free; the load target auth >= 0.95x off in req/s needs <= ~1.05 here).
#
#   bash bench/instructions.sh
#   REQUESTS=5000 bash bench/instructions.sh
#   KEEP=/tmp/cg bash bench/instructions.sh   # keep the dumps for callgrind_annotate
#
# Installs valgrind with apt-get when it is missing (Debian/Ubuntu); needs python3.
set -euo pipefail
cd "$(dirname "$0")/.."

REQUESTS=${REQUESTS:-2000}
WARMUP=${WARMUP:-200}
KEEP=${KEEP:-}

if ! command -v valgrind >/dev/null 2>&1; then
  echo "valgrind not found: installing it with apt-get" >&2
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq valgrind >/dev/null
fi
command -v python3 >/dev/null 2>&1 || { echo "python3 is needed" >&2; exit 1; }

echo "building the load server (release)..." >&2
cargo build --release -q -p mcp-clerk-examples --bin load_server
BIN=target/release/load_server

WORK=$(mktemp -d)
PID=""
cleanup() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# send <addr> <token or -> <count>: POSTs the tools/call <count> times on one
# connection; fails on any answer but 200.
send() {
  python3 - "$1" "$2" "$3" <<'EOF'
import http.client, sys
addr, token, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
host, port = addr.rsplit(":", 1)
body = b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"}}}'
headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
           "MCP-Protocol-Version": "2025-11-25"}
if token != "-":
    headers["Authorization"] = "Bearer " + token
conn = http.client.HTTPConnection(host, int(port), timeout=120)
for _ in range(count):
    conn.request("POST", "/mcp", body, headers)
    response = conn.getresponse()
    response.read()
    if response.status != 200:
        sys.exit(f"HTTP {response.status}")
EOF
}

# measure <mode>: sets PER_<mode> to the instructions per request of <mode>
measure() {
  local mode=$1 server=$1
  if [ "$mode" = hdr ]; then server=off; fi
  local out="$WORK/$mode.out" cg="$WORK/$mode.cg"
  WORKERS=1 valgrind --tool=callgrind --callgrind-out-file="$cg" \
    "$BIN" "$server" 127.0.0.1:0 >"$out" 2>"$WORK/$mode.err" &
  PID=$!
  for _ in $(seq 1 600); do
    if grep -q '^READY ' "$out" 2>/dev/null; then break; fi
    sleep 0.1
  done
  local line addr token
  line=$(grep '^READY ' "$out" || true)
  if [ -z "$line" ]; then
    echo "load_server $server did not start under valgrind:" >&2
    cat "$WORK/$mode.err" >&2
    exit 1
  fi
  addr=$(echo "$line" | awk '{print $2}')
  token=$(echo "$line" | awk '{print $3}')
  if [ "$mode" = hdr ]; then token=$AUTH_TOKEN; fi
  if [ "$mode" = auth ]; then AUTH_TOKEN=$token; fi
  send "$addr" "$token" "$WARMUP"
  callgrind_control --zero "$PID" >/dev/null 2>&1
  send "$addr" "$token" "$REQUESTS"
  callgrind_control --dump="measured" "$PID" >/dev/null 2>&1
  kill "$PID"
  wait "$PID" 2>/dev/null || true
  PID=""
  # the dump holds only what ran between --zero and --dump
  local total
  total=$(cat "$cg".* 2>/dev/null | awk '/^summary:/ {s += $2} END {print s + 0}')
  if [ "$total" = 0 ]; then
    echo "no callgrind dump for $mode" >&2
    exit 1
  fi
  if [ -n "$KEEP" ]; then mkdir -p "$KEEP" && cat "$cg".* >"$KEEP/$mode.callgrind"; fi
  printf -v "PER_$mode" '%s' "$(awk -v t="$total" -v n="$REQUESTS" 'BEGIN {printf "%.0f", t / n}')"
}

echo "tools/call echo over loopback HTTP, $REQUESTS requests after $WARMUP warm-up, one connection, callgrind"
AUTH_TOKEN=""
for mode in auth off hdr; do measure "$mode"; done
printf '%-5s %16s\n' mode "instr/request"
printf '%-5s %16s\n' off "$PER_off" auth "$PER_auth" hdr "$PER_hdr"
awk -v a="$PER_auth" -v o="$PER_off" -v h="$PER_hdr" 'BEGIN {
  printf "auth/off: %.3f   hdr/off: %.3f   auth/hdr: %.3f\n", a / o, h / o, a / h }'
