#!/usr/bin/env bash
# Runs the HTTP conformance suite against one tracker:
#
#   tests/conformance/run.sh native|worker [SUITE] [gtest arguments...]
#
# Starts two instances of the target on free loopback ports (keys 1, 2, 3 of
# tests/data/tracking-ids.json, and a "retired" one holding keys 1 and 3),
# both with GOG_TEST_CLOCK=1, waits for /health, runs the suite (default
# $GOG_BIN_DIR/conformance_test) and stops them. native is `gog-serve` from
# $GOG_BIN_DIR; worker is `wrangler dev --local` (real workerd, local D1
# with the migrations applied into a temporary folder).
set -euo pipefail

kind=${1:?usage: run.sh native|worker [SUITE] [gtest arguments...]}
shift
suite=${1:-${GOG_BIN_DIR:-}/conformance_test}
[ $# -gt 0 ] && shift
here=$(cd "$(dirname "$0")" && pwd)
root=${GOG_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
vectors=$root/tests/data/tracking-ids.json
work=$(mktemp -d "${TMPDIR:-/tmp}/gog-conformance.XXXXXX")
groups=()

# Keep wrangler local and quiet: no telemetry, no update check.
export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false
export CLOUDFLARE_CF_FETCH_ENABLED=false CI=1
export NPM_CONFIG_REGISTRY=http://127.0.0.1:9/

# Spaces, '$' and backticks: the token is everything after "Bearer " (C23).
export GOG_CONFORMANCE_ADMIN_KEY='s3cr3t $HOME `back` tick'

log() { printf 'conformance %s: %s\n' "$kind" "$*" >&2; }

stop_all() {
  for group in "${groups[@]}"; do
    kill -TERM -- "-$group" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap stop_all EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0));
print(s.getsockname()[1])'
}

vector_key() {
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["keys"][sys.argv[2]])' \
    "$vectors" "$1"
}

# The secrets a target gets, as NAME=value lines: keys $@ of the vectors.
secrets() {
  local version
  for version in "$@"; do
    echo "TRACKING_KEY_V$version=$(vector_key "$version")"
  done
  echo "TRACKING_KEY=$(vector_key 1)"  # the legacy key is version 1's
  echo "TRACKING_CURRENT_KEY_VERSION=1"
  echo "ADMIN_KEY=$GOG_CONFORMANCE_ADMIN_KEY"
  echo "GOG_TEST_CLOCK=1"
}

wait_for_health() {
  local port=$1 group=$2 output=$3
  for _ in $(seq 240); do
    if curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; then
      return 0
    fi
    if ! kill -0 "$group" 2>/dev/null; then
      log "the target exited before answering /health:"
      cat "$output" >&2
      return 1
    fi
    sleep 0.25
  done
  log "no answer from /health on port $port after 60 s"
  cat "$output" >&2
  return 1
}

# start_native NAME PORT KEY_VERSIONS...: secrets go in the environment.
start_native() {
  local name=$1 port=$2
  shift 2
  local -a env_args
  mapfile -t env_args < <(secrets "$@")
  setsid env "${env_args[@]}" "$GOG_BIN_DIR/gog-serve" \
    --listen "127.0.0.1:$port" --db "$work/$name.db" \
    --trust-proxy-header CF-Connecting-IP >"$work/$name.log" 2>&1 &
  groups+=($!)
}

# .dev.vars syntax: single quotes, and '$' escaped, because wrangler expands
# $NAME in these files (a value with '$' would otherwise change).
dotenv() {
  local line name value
  while IFS= read -r line; do
    name=${line%%=*}
    value=${line#*=}
    case $value in *"'"*) log "cannot quote $name for .dev.vars"; return 1 ;; esac
    printf "%s='%s'\n" "$name" "${value//\$/\\\$}"
  done
}

# start_worker NAME PORT KEY_VERSIONS...: secrets go in a temporary env file.
start_worker() {
  local name=$1 port=$2
  shift 2
  local wrangler=$root/worker/node_modules/.bin/wrangler
  secrets "$@" | dotenv >"$work/$name.env"
  (cd "$root/worker" && "$wrangler" d1 migrations apply DB --local \
    --persist-to "$work/$name.state" >"$work/$name.migrate.log" 2>&1) || {
    cat "$work/$name.migrate.log" >&2
    return 1
  }
  (cd "$root/worker" && exec setsid "$wrangler" dev --local \
    --ip 127.0.0.1 --port "$port" --inspector-port "$(free_port)" \
    --persist-to "$work/$name.state" --env-file "$work/$name.env" \
    --show-interactive-dev-session=false --log-level warn \
    >"$work/$name.log" 2>&1) &
  groups+=($!)
}

prepare_worker() {
  cd "$root/worker"
  if [ ! -x node_modules/.bin/wrangler ]; then
    npm ci --no-audit --no-fund --loglevel=error
  fi
  if [ ! -f build/core.wasm ] || [ -n "$(find ../tools/core wasm -newer \
    build/core.wasm -name '*.[ch]pp' | head -1)" ]; then
    ./build.sh
  fi
  cd - >/dev/null
}

# The scheduled-event trigger: the native tracker's test route, and
# miniflare's own (wrangler's /__scheduled ignores the time parameter).
case $kind in
  native)
    start=start_native
    export GOG_CONFORMANCE_SCHEDULED=/__scheduled
    ;;
  worker)
    start=start_worker && prepare_worker
    export GOG_CONFORMANCE_SCHEDULED=/cdn-cgi/handler/scheduled
    ;;
  *) log "unknown target (expected native or worker)"; exit 2 ;;
esac
[ -x "$suite" ] || { log "no suite binary at '$suite'"; exit 2; }

main_port=$(free_port)
$start main "$main_port" 1 2 3
main_group=${groups[-1]}
retired_port=$(free_port)
$start retired "$retired_port" 1 3
retired_group=${groups[-1]}
wait_for_health "$main_port" "$main_group" "$work/main.log"
wait_for_health "$retired_port" "$retired_group" "$work/retired.log"

log "running the suite against 127.0.0.1:$main_port"
status=0
GOG_CONFORMANCE_URL=http://127.0.0.1:$main_port \
  GOG_CONFORMANCE_RETIRED_URL=http://127.0.0.1:$retired_port \
  "$suite" "$@" || status=$?

# Neither the admin key nor any tracking key may reach a log line.
for secret in "$GOG_CONFORMANCE_ADMIN_KEY" $(vector_key 1) $(vector_key 2); do
  if grep -qF -- "$secret" "$work/main.log" "$work/retired.log"; then
    log "a secret appears in the target's log"
    status=1
  fi
done
[ $status -eq 0 ] || tail -n 40 "$work/main.log" >&2
exit $status
