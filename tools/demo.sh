#!/usr/bin/env bash
# The end-to-end demo behind `./dev demo`: one machine, no Cloudflare
# account. Everything it creates lives in a temporary folder that is removed
# at the end; the tracker runs on loopback only.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${GOG_BIN_DIR:-$root/build/bin}
export PATH="$bin:$PATH"

work=$(mktemp -d -t gog-demo.XXXXXX)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# A private config, keyring and event log for the demo.
export GOG_CONFIG_DIR=$work/config GOG_STATE_DIR=$work/state
export GOG_KEYRING_BACKEND=file GOG_KEYRING_PASSWORD=demo-only-password
account=newsletter@example.com
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 18787)
url=http://127.0.0.1:$port

step() { printf '\n== %s\n' "$*"; }

step "setup: config and keys for $account (tracker $url)"
gog gmail track setup --account "$account" --worker-url "$url" >/dev/null
gog gmail track status --account "$account"

step "serve: the native tracker on $url"
gog gmail track serve --account "$account" --listen "127.0.0.1:$port" \
  --db "$work/tracker.db" 2>"$work/serve.log" &
server_pid=$!
for _ in $(seq 100); do
  curl -fsS "$url/health" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "$url/health" >/dev/null || { cat "$work/serve.log"; exit 1; }

step "send: the newsletter, one tracked message per recipient"
newsletter=$root/pipelines/newsletter
subject=$(cat "$newsletter/subject.txt")
recipients="ada@example.com,bob@example.com,cy@example.com"
gog gmail send --account "$account" --to "$recipients" \
  --subject "$subject" --body-html-file "$newsletter/newsletter.html" \
  --track-split --transport "outbox:$work/outbox" | tee "$work/sent.tsv"
ls "$work/outbox"

# Opens sooner than 10 s after sending are machines' (too_fast), so the
# demo waits like a reader would.
step "waiting 11 s before opening, as a person would"
sleep 11

pixel_of() { awk -F'\t' -v r="$1" '$1 == r {print $2}' "$work/sent.tsv"; }

step "open: ada in a desktop browser, bob through Gmail's image proxy"
desktop='Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36'
gmail='Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)'
curl -fsS -o /dev/null -A "$desktop" "$url/p/$(pixel_of ada@example.com).gif"
curl -fsS -o /dev/null -A "$gmail" "$url/p/$(pixel_of bob@example.com).gif"

for r in ada@example.com bob@example.com cy@example.com; do
  step "opens for $r"
  gog gmail track opens --account "$account" --url "$url" --to "$r"
done
