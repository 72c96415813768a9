#!/usr/bin/env bash
# Benchmark of the Worker (not a test): wrk drives pixel hits with unique,
# duplicate and invalid ids at 1, 8 and 32 connections against
# `wrangler dev --local` (real workerd, local D1), next to two fixture
# Workers on the same runtime: GIF only (the runtime's ceiling) and GIF
# after one awaited D1 insert (the storage ceiling). Prints requests/s,
# p50, p99, rows stored, and the Worker's requests/s as ratios to the
# fixtures'.
#
#   tests/bench/worker.sh      (GOG_BIN_DIR: the build's bin folder)
#   BENCH_SECONDS=5 BENCH_CONNECTIONS="1 8 32" tests/bench/worker.sh
#
# Every server it starts is its own, on 127.0.0.1, with a temporary D1
# state and fresh random keys.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${GOG_BIN_DIR:-$root/build/bin}
seconds=${BENCH_SECONDS:-5}
read -r -a connections <<<"${BENCH_CONNECTIONS:-1 8 32}"
wrangler=$root/worker/node_modules/.bin/wrangler

export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false
export CLOUDFLARE_CF_FETCH_ENABLED=false CI=1
export NPM_CONFIG_REGISTRY=http://127.0.0.1:9/

for tool in wrk sqlite3 curl python3; do
  command -v "$tool" >/dev/null || {
    echo "worker.sh: $tool is missing: run ./dev deps" >&2
    exit 2
  }
done
[ -x "$wrangler" ] && [ -f "$root/worker/build/core.wasm" ] &&
  [ -x "$bin/bench-make_ids" ] || {
  echo "worker.sh: run ./dev build first (wrangler, core.wasm, bench-make_ids)" >&2
  exit 2
}

work=$(mktemp -d)
group=""
stop_server() {
  if [ -n "$group" ]; then
    kill -TERM -- "-$group" 2>/dev/null || true
    wait "$group" 2>/dev/null || true
    group=""
  fi
}
trap 'stop_server; rm -rf "$work"' EXIT

# Fresh keys for this run only, in the environment for bench-make_ids and
# in an env file for wrangler (never in argv).
TRACKING_KEY_V1=$(head -c 32 /dev/urandom | base64)
export TRACKING_KEY_V1
printf "TRACKING_KEY_V1='%s'\nADMIN_KEY='%s'\n" "$TRACKING_KEY_V1" \
  "$(head -c 24 /dev/urandom | base64 | tr '+/' '-_')" >"$work/secrets.env"

echo "preparing ids (200000 unique, 1 duplicate, 50000 invalid)" >&2
"$bin/bench-make_ids" 200000 >"$work/unique.txt"
"$bin/bench-make_ids" 1 >"$work/duplicate.txt"
"$bin/bench-make_ids" 50000 --invalid >"$work/invalid.txt"

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0));
print(s.getsockname()[1])'
}

# start CONFIG: a fresh D1 state with the migrations, then wrangler dev.
start() {
  local config=$1
  state=$work/state.$RANDOM
  "$wrangler" d1 migrations apply DB --local -c "$config" \
    --persist-to "$state" >/dev/null 2>&1
  port=$(free_port)
  setsid "$wrangler" dev --local -c "$config" --ip 127.0.0.1 \
    --port "$port" --inspector-port "$(free_port)" --persist-to "$state" \
    --env-file "$work/secrets.env" --log-level error \
    --show-interactive-dev-session=false >"$work/dev.log" 2>&1 &
  group=$!
  for _ in $(seq 240); do
    curl -fs -o /dev/null "http://127.0.0.1:$port/p/warmup.gif" && return
    sleep 0.25
  done
  echo "worker.sh: wrangler dev did not start:" >&2
  cat "$work/dev.log" >&2
  exit 1
}

# Rows in opens once they stop changing (the Worker records after it
# answers, in ctx.waitUntil).
rows_stored() {
  local db last="" now
  db=$(find "$state" -name '*.sqlite' ! -name 'metadata.sqlite' | head -1)
  for _ in $(seq 100); do
    now=$(sqlite3 "$db" "SELECT COUNT(*) FROM opens" 2>/dev/null || echo -)
    [ "$now" = "$last" ] && break
    last=$now
    sleep 0.5
  done
  echo "$last"
}

drive() {
  local ids=$1 conns=$2 ip_header=${3:-}
  local threads=$((conns < 2 ? conns : 2))
  BENCH_IDS=$ids BENCH_THREADS=$threads BENCH_IP_HEADER=$ip_header \
    wrk -t "$threads" -c "$conns" -d "${seconds}s" --timeout 5s \
    -s "$here/pixel.lua" "http://127.0.0.1:$port/" |
    sed -n 's/^RESULT //p'
}

field() { sed -n "s/.*\b$1=\([0-9]*\).*/\1/p" <<<"$2"; }
ms() { awk -v us="$1" 'BEGIN { printf "%.2fms", us / 1000 }'; }
rate() { echo $(($(field requests "$1") * 1000000 / $(field duration_us "$1"))); }

declare -A ceiling
row() {
  local target=$1 ids=$2 conns=$3 result=$4 rows=$5 ratios=${6:-}
  printf '%-10s %-10s %5s %8s %9s %9s %7s %8s %s\n' "$target" "$ids" \
    "$conns" "$(rate "$result")" "$(ms "$(field p50_us "$result")")" \
    "$(ms "$(field p99_us "$result")")" "$(field errors "$result")" \
    "$rows" "$ratios"
}

printf '%-10s %-10s %5s %8s %9s %9s %7s %8s %s\n' target ids conns req/s \
  p50 p99 errors rows "vs gif-only / vs d1-insert"

for fixture in gif_only d1_insert; do
  start "$here/worker_fixtures/$fixture.toml"
  for conns in "${connections[@]}"; do
    before=$(rows_stored)
    result=$(drive "$work/unique.txt" "$conns")
    ceiling[$fixture.$conns]=$(rate "$result")
    row "${fixture//_/-}" unique "$conns" "$result" \
      "$(($(rows_stored) - before))"
  done
  stop_server
done

# A fresh Worker and D1 per run: every run starts at the id file's top, so
# a shared database would see the second run's "unique" ids as duplicates.
for kind in unique duplicate invalid; do
  for conns in "${connections[@]}"; do
    start "$root/worker/wrangler.toml"
    header=""
    [ "$kind" = unique ] && header=CF-Connecting-IP
    before=$(rows_stored)
    result=$(drive "$work/$kind.txt" "$conns" "$header")
    r=$(rate "$result")
    ratios=$(awk -v r="$r" -v g="${ceiling[gif_only.$conns]}" \
      -v d="${ceiling[d1_insert.$conns]}" \
      'BEGIN { printf "%.2f / %.2f", r / g, r / d }')
    row worker "$kind" "$conns" "$result" "$(($(rows_stored) - before))" \
      "$ratios"
    stop_server
  done
done
echo "D1 statements per hit: 1 for a valid id (INSERT INTO record_open," \
  "deduped and capped by its trigger), 0 for an invalid one" >&2
