#!/usr/bin/env bash
# Soak benchmark: CLIENTS concurrent clients, each calling as its own user (of
# USERS, tokens minted by a local testing issuer), for DURATION seconds or at
# most MAX_CALLS calls, against the release `soak_server` in a separate
# process on 127.0.0.1: stateless mode, then stateful mode (each client
# initializes a session as its user and uses it; sessions are now and then
# deleted or abandoned and new ones created).
#
# The calls are mixed: valid tokens (`whoami` must answer the caller's own
# id), expired and forged tokens (401 error="invalid_token"), anonymous calls
# to the protected tool (401 without error), the public tool (200 for
# anyone), and in stateful mode another user's token in a client's session
# (404), initialize and DELETE. Every answer is checked. Prints calls per kind,
# wrong answers, 5xx, other unexpected statuses, calls/s, latency and the
# server's RSS (VmRSS) sampled every SAMPLE seconds, with start/peak/end and
# the RSS after SETTLE idle seconds.
#
#   bash bench/soak.sh                             # 32 clients x 30 s, both modes
#   CLIENTS=64 DURATION=120 bash bench/soak.sh
#   MODE=stateful DURATION=600 SETTLE=30 bash bench/soak.sh
#
# Exits 1 on any wrong answer, 2 on 5xx / unexpected statuses / transport
# errors without a wrong answer, 0 when every answer was the expected one.
set -euo pipefail
cd "$(dirname "$0")/.."

CLIENTS=${CLIENTS:-32}
DURATION=${DURATION:-30}
USERS=${USERS:-1000}
MAX_CALLS=${MAX_CALLS:-2000000}
MODE=${MODE:-both}
SAMPLE=${SAMPLE:-1}
SETTLE=${SETTLE:-3}
WORKERS=${WORKERS:-2}
TARGET=${CARGO_TARGET_DIR:-target}

echo "building the soak client and server (release)..." >&2
cargo build --release -q -p mcp-clerk-examples --bin soak --bin soak_server

WORKERS=$WORKERS "$TARGET/release/soak" --server "$TARGET/release/soak_server" \
  --mode "$MODE" --clients "$CLIENTS" --duration "$DURATION" --users "$USERS" \
  --max-calls "$MAX_CALLS" --sample "$SAMPLE" --settle "$SETTLE"
