#!/usr/bin/env bash
# The main job on the embedded default (local processes + SQLite, nothing to set up):
# deploy v1, prove it healthy, then deploy a v2 whose /health stays green but which fails 40 % of
# the pages users get. The router sees every request, so the monitor judges v2 on that real
# traffic and rolls it back by itself while v1 keeps serving; then status, history, audit trail.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
port="${DEMO_PORT:-18080}"
work="${DEMO_DIR:-$here/../.demo}"
rm -rf "$work" && mkdir -p "$work"
cp "$here/hello/app.py" "$work/app.py"
cd "$work"

spec() {  # version, extra env lines
  cat <<YAML
service: hello
version: "$1"
port: $port
target:
  kind: process
  command: ["python3", "app.py"]
  env:
    GREETING: "hello from shipmate"
$2
health:
  interval: 200ms
  deadline: 20s
  checks:
    - http: {path: /health, status: 200}
strategy: blue-green
drain: 2s
monitor:
  duration: 6s
  interval: 250ms
  rollback_if: {error_rate: 0.05, p95_ms: 500}
YAML
}
spec 1.0.0 "" > shipmate.yaml
spec 2.0.0 '    HELLO_PAGE_ERROR_RATE: "0.4"   # /health stays 200; 40 % of real pages are 500' > broken.yaml

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
serving() { python3 -c "import json,urllib.request;print(json.load(urllib.request.urlopen('http://127.0.0.1:$port/', timeout=2)))"; }
users() {  # a user clicking around: one page every 20 ms, for at most 60 s
  python3 -c "
import time, urllib.request, urllib.error
end = time.monotonic() + 60
while time.monotonic() < end:
    try: urllib.request.urlopen('http://127.0.0.1:$port/', timeout=2).read()
    except (urllib.error.URLError, OSError): pass
    time.sleep(0.02)" &
  users_pid=$!
}
users_pid=""
trap 'shipmate down >/dev/null 2>&1 || true; [ -z "$users_pid" ] || kill "$users_pid" 2>/dev/null || true' EXIT

step shipmate validate;                shipmate validate
step shipmate deploy --dry-run;        shipmate deploy --dry-run
step shipmate deploy;                  shipmate deploy
step curl http://127.0.0.1:$port/;     serving
step "shipmate deploy -f broken.yaml   # while users browse"
users
set +e; shipmate deploy -f broken.yaml; code=$?; set -e
kill "$users_pid" 2>/dev/null || true; users_pid=""
echo "exit code $code (1 = failed and rolled back; the previous release is serving)"
[ "$code" -eq 1 ] || { echo "demo: expected exit 1"; exit 1; }
step curl http://127.0.0.1:$port/;     serving
step shipmate check;                   shipmate check
step shipmate status;                  shipmate status
step shipmate history;                 shipmate history
step shipmate events --verify;         shipmate events --verify --limit 12
step shipmate down;                    shipmate down
trap - EXIT
printf '\nstate kept in %s/.shipmate (audit log: events/deployment.jsonl)\n' "$work"
