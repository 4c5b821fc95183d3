#!/usr/bin/env bash
# The main job on the embedded default (local processes + SQLite, nothing to set up):
# deploy v1, prove it healthy, deploy a broken v2 that is rolled back by itself while v1
# keeps serving, then show status, history and the audit trail.
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
spec 2.0.0 '    HELLO_FAIL_AFTER: "1.5"   # v2 looks fine at first, then breaks after the switch' > broken.yaml

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
serving() { python3 -c "import json,urllib.request;print(json.load(urllib.request.urlopen('http://127.0.0.1:$port/', timeout=2)))"; }
trap 'shipmate down >/dev/null 2>&1 || true' EXIT

step shipmate validate;                shipmate validate
step shipmate deploy --dry-run;        shipmate deploy --dry-run
step shipmate deploy;                  shipmate deploy
step curl http://127.0.0.1:$port/;     serving
step shipmate deploy -f broken.yaml
set +e; shipmate deploy -f broken.yaml; code=$?; set -e
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
