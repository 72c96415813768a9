#!/usr/bin/env bash
# Benchmark of the native tracker (not a test): wrk drives pixel hits with
# unique, duplicate and invalid ids at 1, 8 and 32 connections against
# gog-serve, next to a bare Poco server that only returns the GIF, all on
# 127.0.0.1. Prints requests/s, p50, p99 and the rows stored per run.
#
#   tests/bench/native.sh           (GOG_BIN_DIR: the build's bin folder)
#   BENCH_SECONDS=5 BENCH_CONNECTIONS="1 8 32" tests/bench/native.sh
#
# Builds nothing: run `./dev build` (or `./dev bench`) first. Every server
# it starts is its own, on loopback, with a temporary database and fresh
# random keys, and each wrk run stops after BENCH_SECONDS.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${GOG_BIN_DIR:-$root/build/bin}
seconds=${BENCH_SECONDS:-5}
read -r -a connections <<<"${BENCH_CONNECTIONS:-1 8 32}"
unique_ids=${BENCH_UNIQUE_IDS:-400000}

for tool in wrk sqlite3 curl; do
  command -v "$tool" >/dev/null || {
    echo "native.sh: $tool is missing: run ./dev deps" >&2
    exit 2
  }
done
for exe in gog-serve bench-make_ids bench-bare_gif_server; do
  [ -x "$bin/$exe" ] || {
    echo "native.sh: $bin/$exe is missing: run ./dev build" >&2
    exit 2
  }
done

work=$(mktemp -d)
server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
trap 'stop_server; rm -rf "$work"' EXIT

# Fresh keys for this run only; the tracker reads them as the Worker would.
TRACKING_KEY_V1=$(head -c 32 /dev/urandom | base64)
ADMIN_KEY=$(head -c 24 /dev/urandom | base64 | tr '+/' '-_')
export TRACKING_KEY_V1 ADMIN_KEY

echo "preparing ids ($unique_ids unique, 1 duplicate, 50000 invalid)" >&2
"$bin/bench-make_ids" "$unique_ids" >"$work/unique.txt"
"$bin/bench-make_ids" 1 >"$work/duplicate.txt"
"$bin/bench-make_ids" 50000 --invalid >"$work/invalid.txt"

# Waits for "listening on http://127.0.0.1:PORT" and prints PORT.
serve_port() {
  local log=$1
  for _ in $(seq 100); do
    local port
    port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' \
      "$log" 2>/dev/null)
    if [ -n "$port" ]; then
      echo "$port"
      return
    fi
    sleep 0.1
  done
  echo "native.sh: gog-serve did not start:" >&2
  cat "$log" >&2
  exit 1
}

start_serve() {
  rm -f "$work"/tracker.db*
  "$bin/gog-serve" --listen 127.0.0.1:0 --db "$work/tracker.db" \
    --trust-proxy-header X-Bench-IP 2>"$work/serve.log" &
  server_pid=$!
  port=$(serve_port "$work/serve.log")
}

start_bare() {
  "$bin/bench-bare_gif_server" 0 >"$work/bare.port" &
  server_pid=$!
  for _ in $(seq 100); do
    port=$(cat "$work/bare.port")
    [ -n "$port" ] && return
    sleep 0.1
  done
  echo "native.sh: the bare server did not start" >&2
  exit 1
}

# wrk with pixel.lua; prints the RESULT line's fields.
drive() {
  local ids=$1 conns=$2 ip_header=${3:-}
  local threads=$((conns < 2 ? conns : 2))
  BENCH_IDS=$ids BENCH_THREADS=$threads BENCH_IP_HEADER=$ip_header \
    wrk -t "$threads" -c "$conns" -d "${seconds}s" --timeout 5s \
    -s "$here/pixel.lua" "http://127.0.0.1:$port/" |
    sed -n 's/^RESULT //p'
}

# Rows in opens once the writer has committed everything it answered (an
# admin read flushes the queue first).
rows_stored() {
  curl -sf -o /dev/null -H "Authorization: Bearer $ADMIN_KEY" \
    "http://127.0.0.1:$port/opens?limit=1"
  sqlite3 "$work/tracker.db" "SELECT COUNT(*) FROM opens"
}

field() { sed -n "s/.*\b$1=\([0-9]*\).*/\1/p" <<<"$2"; }
ms() { awk -v us="$1" 'BEGIN { printf "%.2fms", us / 1000 }'; }

report() {
  local target=$1 ids=$2 conns=$3 result=$4 rows=$5
  local requests duration
  requests=$(field requests "$result")
  duration=$(field duration_us "$result")
  printf '%-10s %-10s %5s %9s %8s %9s %9s %7s %12s\n' "$target" "$ids" \
    "$conns" "$requests" "$((requests * 1000000 / duration))" \
    "$(ms "$(field p50_us "$result")")" "$(ms "$(field p99_us "$result")")" \
    "$(field errors "$result")" "$rows"
}

printf '%-10s %-10s %5s %9s %8s %9s %9s %7s %12s\n' target ids conns \
  requests req/s p50 p99 errors "rows stored"

for conns in "${connections[@]}"; do
  start_bare
  report bare-poco - "$conns" "$(drive "$work/unique.txt" "$conns")" -
  stop_server
done

for kind in unique duplicate invalid; do
  for conns in "${connections[@]}"; do
    start_serve
    header=""
    [ "$kind" = unique ] && header=X-Bench-IP
    result=$(drive "$work/$kind.txt" "$conns" "$header")
    report gog-serve "$kind" "$conns" "$result" "$(rows_stored)"
    requests=$(field requests "$result")
    if [ "$kind" = unique ] && [ "$requests" -gt "$unique_ids" ]; then
      echo "  (ids wrapped around: raise BENCH_UNIQUE_IDS)" >&2
    fi
    stop_server
  done
done
