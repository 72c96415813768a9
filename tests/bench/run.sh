#!/usr/bin/env bash
# `./dev bench`: the benchmarks, one after the other. Each script is bounded
# in time and starts and stops its own servers on 127.0.0.1.
#   native.sh   gog gmail track serve next to a bare Poco server
#   worker.sh   the Worker under wrangler dev (when present)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export GOG_BIN_DIR=${GOG_BIN_DIR:-${GOG_BUILD_DIR:-$root/build}/bin}

echo "== native tracker"
"$here/native.sh" "$@"
if [ -f "$here/worker.sh" ]; then
  echo "== Worker"
  bash "$here/worker.sh" "$@"
fi
