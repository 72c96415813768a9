#!/usr/bin/env bash
# The Secret Service keyring backend against a real gnome-keyring on a
# private session bus: setup stores keys there byte for byte, status reads
# them back, `auto` picks it, and no keyring file is written.
set -euo pipefail

bin=${GOG_BIN_DIR:?}
# Everything below runs inside a private session bus.
if [ "${1:-}" != inner ]; then
  exec dbus-run-session -- bash "$0" inner
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

export HOME=$work/home XDG_DATA_HOME=$work/home/data
export XDG_RUNTIME_DIR=$work/run
mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
# The password on stdin creates and unlocks the default collection, so
# no prompter (which needs a display) is ever asked.
printf 'test-password' |
  gnome-keyring-daemon --foreground --unlock --replace \
    --components=secrets >/dev/null 2>&1 &
daemon=$!
trap 'kill "$daemon" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do
  dbus-send --session --print-reply --dest=org.freedesktop.DBus \
    /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner \
    string:org.freedesktop.secrets 2>/dev/null | grep -q true && break
  sleep 0.1
done

export GOG_CONFIG_DIR=$work/config GOG_STATE_DIR=$work/state
export GOG_ACCOUNT=me@example.com GOG_KEYRING_BACKEND=secret-service
unset GOG_KEYRING_PASSWORD GOG_KEYRING_FILE TRACKING_KEY \
  TRACKING_KEY_V1 TRACKING_CURRENT_KEY_VERSION 2>/dev/null || true

key='ERERERERERERERERERERERERERERERERERERERERERE='
admin='s3cr3t $HOME `back` tick'
printf '%s\n%s\r\n' "$key" "$admin" |
  "$bin/gog-setup" --worker-url https://t.example.com \
    --tracking-key - --admin-key - --json >"$work/setup.json"
grep -q '"keyring": "secret-service"' "$work/setup.json"

# A re-run reads the same values back from the Secret Service.
"$bin/gog-setup" --worker-url https://t.example.com --json >"$work/again.json"
python3 - "$work/again.json" "$key" "$admin" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["secrets"]
assert s["TRACKING_KEY_V1"] == sys.argv[2], s
assert s["TRACKING_KEY"] == sys.argv[2], s
assert s["ADMIN_KEY"] == sys.argv[3], repr(s["ADMIN_KEY"])
PY

GOG_KEYRING_BACKEND=auto "$bin/gog-status" --json >"$work/status.json"
python3 - "$work/status.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["keyring"]["backend"] == "secret-service", s
assert s["keyring"]["versions_held"] == [1], s
assert s["keyring"]["admin_key"] is True, s
PY
test ! -e "$work/config/keyring.enc"
echo "ok: secret-service keyring"
