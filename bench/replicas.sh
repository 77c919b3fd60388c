#!/usr/bin/env bash
# Replicas behind nginx: calls/s through deploy/nginx/mcp-clerk.conf with 1 and
# with 3 release `soak_server` replicas (ROUNDS rounds of DURATION s, the order
# alternating, CLIENTS keep-alive clients each calling `whoami` as its own user,
# every answer checked), the replicas' RSS after the load, and the memory an idle
# keep-alive connection costs a replica (IDLE_CONNECTIONS held open).
# REPLICA_WORKERS (1) is each replica's tokio worker threads.
# Needs nginx (scripts/test.sh installs it). On a 2-core machine nginx, the
# replicas and the clients share the same cores: more replicas cannot add CPU
# (results and their reading in deploy/README.md).
#
#   bash bench/replicas.sh
#   ROUNDS=5 DURATION=10 CLIENTS=32 REPLICA_WORKERS=2 bash bench/replicas.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-5} CLIENTS=${CLIENTS:-16}
export IDLE_CONNECTIONS=${IDLE_CONNECTIONS:-1000} REPLICA_WORKERS=${REPLICA_WORKERS:-1}
cargo test --release -q -p mcp-clerk-examples --test nginx_replicas -- \
  --ignored --exact measure_replicas --nocapture
