#!/usr/bin/env bash
# The Worker's source is formatted by the pinned prettier, and wrangler.toml
# keeps what deployment relies on: a pinned compatibility date,
# observability on, the shared migrations folder and the daily cron.
set -euo pipefail
root=${GOG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
worker=$root/worker
fail() { echo "worker_lint: $*" >&2; exit 1; }

[ -x "$worker/node_modules/.bin/prettier" ] ||
  fail "prettier is missing: run ./dev deps (npm ci in worker/)"
(cd "$worker" && node_modules/.bin/prettier --check . >/dev/null) ||
  fail "worker/ is not formatted: run npx prettier --write . in worker/"

python3 - "$worker/wrangler.toml" <<'PY' || exit 1
import re, sys, tomllib

path = sys.argv[1]
config = tomllib.load(open(path, "rb"))
problems = []
if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", config.get("compatibility_date", "")):
    problems.append("compatibility_date is not a pinned YYYY-MM-DD date")
if config.get("observability", {}).get("enabled") is not True:
    problems.append("[observability] enabled = true is missing")
dbs = config.get("d1_databases", [])
if not any(d.get("binding") == "DB" and
           d.get("migrations_dir") == "../migrations" for d in dbs):
    problems.append("no D1 binding DB with migrations_dir = ../migrations")
if "0 2 * * *" not in config.get("triggers", {}).get("crons", []):
    problems.append("the daily purge cron '0 2 * * *' is missing")
if config.get("main") != "src/index.js":
    problems.append("main is not src/index.js")
for p in problems:
    print(f"worker_lint: {path}: {p}", file=sys.stderr)
sys.exit(1 if problems else 0)
PY
echo "worker_lint: ok"
