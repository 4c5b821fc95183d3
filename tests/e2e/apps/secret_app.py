"""Test app: reads its secret from $API_KEY_FILE (never from env) and serves the value's sha256 on /."""

from __future__ import annotations

import hashlib
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = open(os.environ["API_KEY_FILE"], encoding="utf-8").read()  # noqa: SIM115 (read once at start)
DIGEST = hashlib.sha256(SECRET.encode()).hexdigest()
FAIL_HEALTH = os.environ.get("APP_FAIL_HEALTH", "") == "1"
LEAK = os.environ.get("APP_LEAK") == "1"      # a careless app: its own log lines carry the value
HOST = os.environ.get("APP_BIND", "127.0.0.1")   # 0.0.0.0 in a container that publishes its port


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/health":
            code, body = (500, {"ok": False}) if FAIL_HEALTH else (200, {"ok": True})
        else:
            code, body = 200, {"sha256": DIGEST, "version": os.environ.get("SHIPMATE_VERSION", "")}
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        print("request", self.path, f"debug: key is {SECRET}" if LEAK else "", flush=True)


if __name__ == "__main__":
    print("secret app starting on", os.environ["PORT"], "with", os.environ["API_KEY_FILE"], flush=True)
    ThreadingHTTPServer((HOST, int(os.environ["PORT"])), Handler).serve_forever()
