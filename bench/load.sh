#!/usr/bin/env bash
# Load benchmark: MCP `tools/call` over loopback HTTP with wrk, the same tool
# authenticated (Clerk OAuth token, verified by the gate; cached after the
# first call) and with auth switched off (public tool, no Clerk config),
# interleaved, in release mode. Prints req/s, p50, p99, server CPU per request
# and the auth/off ratio (target: >= 0.95). A third, informational config
# (hdr) sends the token to the auth-off server, to separate the cost of the
# ~900-byte header on the wire from the cost of checking it.
#
# The ratio is the median over rounds of auth/off measured within the same
# round (seconds apart; the order alternates between rounds), not a ratio of
# medians: on a shared 2-core box throughput drifts by more than the cost of
# auth within a minute, and pairing cancels that drift. The spread of the
# per-round ratios is printed with it.
#
#   bash bench/load.sh                  # 5 rounds x 5 s per config, 16 connections
#   ROUNDS=5 DURATION=10 CONNECTIONS=64 bash bench/load.sh
#   SSE=1 bash bench/load.sh            # SSE-framed responses (TCP_NODELAY matters here)
#   PIN=1 WORKERS=1 bash bench/load.sh  # servers on CPU 1, wrk on CPU 0 (taskset)
#   TOKENS=opaque bash bench/load.sh    # auth with an opaque oat_ token: verified through
#                                       # the local Clerk emulator's Backend API, then cached
#
# Installs wrk with apt-get when it is missing (Debian/Ubuntu).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-5}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-1}
WORKERS=${WORKERS:-2}
SSE=${SSE:-0}
PIN=${PIN:-0}
TOKENS=${TOKENS:-jwt}
case "$TOKENS" in
  jwt) AUTH_SERVER=auth ;;
  opaque) AUTH_SERVER=opaque ;;
  *) echo "TOKENS must be jwt or opaque" >&2; exit 2 ;;
esac
SERVER_PIN=()
WRK_PIN=()
if [ "$PIN" = 1 ]; then SERVER_PIN=(taskset -c 1); WRK_PIN=(taskset -c 0); fi

if ! command -v wrk >/dev/null 2>&1; then
  echo "wrk not found: installing it with apt-get" >&2
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq wrk >/dev/null
fi

echo "building the load server (release)..." >&2
cargo build --release -q -p mcp-clerk-examples --bin load_server
BIN=target/release/load_server

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# start <mode> [server mode]: starts a server, sets ADDR_<mode>, TOKEN_<mode>, PID_<mode>
start() {
  local mode=$1 server=${2:-$1} out="$WORK/$1.out"
  WORKERS=$WORKERS SSE=$SSE "${SERVER_PIN[@]}" "$BIN" "$server" 127.0.0.1:0 >"$out" 2>"$WORK/$mode.err" &
  local pid=$!
  PIDS+=("$pid")
  for _ in $(seq 1 100); do
    if grep -q '^READY ' "$out" 2>/dev/null; then break; fi
    sleep 0.1
  done
  local line
  line=$(grep '^READY ' "$out" || true)
  if [ -z "$line" ]; then
    echo "load_server $mode did not start:" >&2
    cat "$WORK/$mode.err" >&2
    exit 1
  fi
  printf -v "ADDR_$mode" '%s' "$(echo "$line" | awk '{print $2}')"
  printf -v "TOKEN_$mode" '%s' "$(echo "$line" | awk '{print $3}')"
  printf -v "PID_$mode" '%s' "$pid"
}

start auth "$AUTH_SERVER"
start off

# sanity: both answer the call, and auth refuses an anonymous one
check() {
  local addr=$1 token=$2 expect=$3
  local auth=()
  if [ "$token" != "-" ]; then auth=(-H "Authorization: Bearer $token"); fi
  local code
  code=$(curl -s -o "$WORK/check.json" -w '%{http_code}' "http://$addr/mcp" \
    -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
    -H 'MCP-Protocol-Version: 2025-11-25' "${auth[@]}" \
    -d '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"}}}')
  if [ "$code" != "$expect" ]; then
    echo "sanity check failed on $addr: HTTP $code (expected $expect)" >&2
    cat "$WORK/check.json" >&2
    exit 1
  fi
}
check "$ADDR_auth" "$TOKEN_auth" 200
check "$ADDR_auth" - 401
check "$ADDR_off" - 200
grep -q 'user_[a-z]*: hello' <(curl -s "http://$ADDR_auth/mcp" \
  -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
  -H "Authorization: Bearer $TOKEN_auth" \
  -d '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"}}}') \
  || { echo "the authenticated call did not see the user" >&2; exit 1; }

CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# to_ms <wrk latency>: "412.00us" / "1.23ms" / "1.01s" -> milliseconds
to_ms() {
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
    else { printf "%s", v } }'
}

RESULTS="$WORK/results.tsv"
: >"$RESULTS"

# run <label> <round>: label auth | off | hdr (the auth-off server, sent the
# same Authorization header it ignores: the cost of carrying the token alone)
run() {
  local mode=$1 round=$2 server=$1
  if [ "$mode" = hdr ]; then server=off; fi
  local addr_var="ADDR_$server" token_var="TOKEN_$server" pid_var="PID_$server"
  local addr=${!addr_var} token=${!token_var} pid=${!pid_var}
  if [ "$mode" = hdr ]; then token=$TOKEN_auth; fi
  local before after out="$WORK/wrk.$mode.$round"
  before=$(cpu_ticks "$pid")
  TOKEN=$token "${WRK_PIN[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency \
    -s bench/load.lua "http://$addr/mcp" >"$out"
  after=$(cpu_ticks "$pid")
  if grep -q 'Non-2xx' "$out"; then
    echo "non-2xx responses in the $mode run:" >&2
    cat "$out" >&2
    exit 1
  fi
  local rps p50 p99 reqs cpu
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")
  reqs=$(awk '/requests in/ {print $1}' "$out")
  cpu=$(awk -v t=$((after - before)) -v hz="$CLK_TCK" -v n="$reqs" 'BEGIN {printf "%.1f", t * 1e6 / hz / n}')
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "$round" "$rps" "$p50" "$p99" "$cpu" >>"$RESULTS"
  printf '  round %s  %-4s  %10.0f req/s   p50 %7.3f ms   p99 %7.3f ms   server CPU %6.1f us/req\n' \
    "$round" "$mode" "$rps" "$p50" "$p99" "$cpu"
}

if [ "$SSE" = 1 ]; then FRAMING="SSE"; else FRAMING="JSON"; fi
echo "tools/call echo, $TOKENS tokens, stateless $FRAMING, wrk -t$THREADS -c$CONNECTIONS, ${DURATION}s per run, $ROUNDS rounds, server WORKERS=$WORKERS, pinned=$PIN"
# warm-up (JWKS fetch, first verification, connection setup)
TOKEN=$TOKEN_auth wrk -t1 -c4 -d1s -s bench/load.lua "http://$ADDR_auth/mcp" >/dev/null
TOKEN=- wrk -t1 -c4 -d1s -s bench/load.lua "http://$ADDR_off/mcp" >/dev/null
for round in $(seq 1 "$ROUNDS"); do
  if [ $((round % 2)) -eq 1 ]; then order="off auth hdr"; else order="hdr auth off"; fi
  for mode in $order; do run "$mode" "$round"; done
done

median() { # median <mode> <column>
  awk -F'\t' -v m="$1" -v c="$2" '$1 == m {print $c}' "$RESULTS" | sort -g |
    awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

echo
printf '%-5s %12s %10s %10s %14s\n' "mode" "req/s" "p50 ms" "p99 ms" "CPU us/req"
for mode in off auth hdr; do
  printf '%-5s %12.0f %10.3f %10.3f %14.1f\n' "$mode" "$(median "$mode" 3)" \
    "$(median "$mode" 4)" "$(median "$mode" 5)" "$(median "$mode" 6)"
done
# paired <mode>: the per-round ratios mode/off of req/s, one per line
paired() {
  awk -F'\t' -v m="$1" '$1 == "off" {o[$2] = $3} $1 == m {x[$2] = $3}
    END {for (r in x) if (r in o) printf "%.4f\n", x[r] / o[r]}' "$RESULTS" | sort -g
}
summary() { # summary <mode>: "median (min-max)" of the paired ratios
  paired "$1" | awk '{v[NR] = $1} END {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%.3f (rounds %.3f-%.3f)", m, v[1], v[NR] }'
}
echo
echo "hdr/off (median of per-round ratios): $(summary hdr)"
echo "ratio auth/off (median of per-round ratios): $(summary auth) (target >= 0.95)"
awk -v a="$(median auth 3)" -v o="$(median off 3)" \
  'BEGIN {printf "(unpaired, median req/s auth / median req/s off: %.3f)\n", a / o}'
echo "(hdr = the auth-off server sent the same Authorization header: what carrying the token costs without verifying it)"
