"""Real servers for probe tests: the sample app, a fixed-answer HTTP server, a silent listener."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FixedServer(ThreadingHTTPServer):
    """Answers every GET with one configured status and body."""

    daemon_threads = True

    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(("127.0.0.1", 0), FixedHandler)
        self.status = status
        self.body = body

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class FixedHandler(BaseHTTPRequestHandler):
    server: FixedServer

    def do_GET(self) -> None:
        self.send_response(self.server.status)
        self.send_header("Content-Length", str(len(self.server.body)))
        self.end_headers()
        self.wfile.write(self.server.body)

    def log_message(self, format: str, *args: object) -> None:
        pass
