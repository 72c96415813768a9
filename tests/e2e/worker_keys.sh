#!/usr/bin/env bash
# C23: key secrets mangled on the way in (a trailing newline from `echo`, a
# short value) are logged by the Worker as configuration errors naming the
# variable, never its value; the good keys keep opening their ids.
set -euo pipefail
root=${GOG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
worker=$root/worker
vectors=$root/tests/data/tracking-ids.json
work=$(mktemp -d)
group=""
trap '[ -n "$group" ] && kill -TERM -- "-$group" 2>/dev/null; wait; rm -rf "$work"' EXIT
fail() { echo "worker_keys: $*" >&2; cat "$work/dev.log" >&2 || true; exit 1; }

export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false
export CLOUDFLARE_CF_FETCH_ENABLED=false CI=1
export NPM_CONFIG_REGISTRY=http://127.0.0.1:9/

[ -x "$worker/node_modules/.bin/wrangler" ] || fail "run ./dev deps first"
[ -f "$worker/build/core.wasm" ] || "$worker/build.sh"

json() { python3 -c "import json,sys; d=json.load(open('$vectors')); print($1)"; }
key1=$(json 'd["keys"]["1"]')
key2=$(json 'd["keys"]["2"]')
blob() { json "[c['blob'] for c in d['cases'] if c['name']=='$1'][0]"; }

# Double quotes make dotenv turn \n into a real newline, as `echo` would.
cat >"$work/secrets.env" <<ENV
TRACKING_KEY_V1='$key1'
TRACKING_KEY_V2="$key2\n"
TRACKING_KEY_V3='c2hvcnQ='
ADMIN_KEY='admin-key'
ENV

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cd "$worker"
node_modules/.bin/wrangler d1 migrations apply DB --local \
  --persist-to "$work/state" >/dev/null 2>&1
setsid node_modules/.bin/wrangler dev --local --ip 127.0.0.1 --port "$port" \
  --inspector-port 0 --persist-to "$work/state" --env-file "$work/secrets.env" \
  --show-interactive-dev-session=false --log-level warn >"$work/dev.log" 2>&1 &
group=$!
for _ in $(seq 240); do
  curl -fs -o /dev/null "http://127.0.0.1:$port/health" && break
  sleep 0.25
done

status() {
  curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer admin-key' \
    "http://127.0.0.1:$port/q/$1"
}
[ "$(status "$(blob v1-basic)")" = 200 ] || fail "a v1 id no longer opens"
[ "$(status "$(blob v2-basic)")" = 400 ] || fail "a v2 id opened with a mangled key"
sleep 1
grep -q "TRACKING_KEY_V2 is not base64 of exactly 32 bytes" "$work/dev.log" ||
  fail "no configuration error names TRACKING_KEY_V2"
grep -q "TRACKING_KEY_V3 is not base64 of exactly 32 bytes" "$work/dev.log" ||
  fail "no configuration error names TRACKING_KEY_V3"
for secret in "$key1" "$key2" c2hvcnQ=; do
  ! grep -qF -- "$secret" "$work/dev.log" || fail "a key value reached the log"
done
echo "worker_keys: ok"
