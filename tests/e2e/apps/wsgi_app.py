"""A minimal WSGI app for gunicorn's threaded workers (keep-alive on with gthread)."""

import json
import os

VERSION = os.environ.get("SHIPMATE_VERSION", "?")


def app(environ, start_response):  # type: ignore[no-untyped-def]
    body = json.dumps({"version": VERSION, "path": environ.get("PATH_INFO", "/")}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
