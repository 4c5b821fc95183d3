"""HTTP probe: GET a path on a fresh connection and check status, body text and JSON fields."""

from __future__ import annotations

import http.client
import json

from shipmate.analysis.json_paths import MISSING, dotted
from shipmate.model import ProbeResult
from shipmate.probes.base import Stopwatch, describe_os_error, failed, passed

MAX_BODY_BYTES = 1024 * 1024
class HttpProbe:
    def __init__(self, host: str, port: int, path: str, *, status: int = 200,
                 body_contains: str | None = None, json_expect: dict[str, object] | None = None,
                 timeout: float = 2.0, name: str | None = None) -> None:
        self.host = host
        self.port = port
        self.path = path if path.startswith("/") else "/" + path
        self.status = status
        self.body_contains = body_contains
        self.json_expect = json_expect
        self.timeout = timeout
        self.name = name or f"http {self.path}"

    def run(self) -> ProbeResult:
        watch = Stopwatch()
        request = f"GET {self.path}"
        # A fresh connection per look: a keep-alive socket to a draining old instance would lie.
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            try:
                conn.connect()
            except TimeoutError:
                return failed(self.name, watch, f"connect {self.host}:{self.port}: "
                                                f"timed out after {self.timeout}s")
            except OSError as exc:
                return failed(self.name, watch, f"connect {self.host}:{self.port}: {describe_os_error(exc)}")
            conn.request("GET", self.path, headers={"Connection": "close", "User-Agent": "shipmate-probe"})
            response = conn.getresponse()
            body = response.read(MAX_BODY_BYTES)
        except TimeoutError:
            return failed(self.name, watch, f"{request} timed out after {self.timeout}s")
        except http.client.HTTPException as exc:
            return failed(self.name, watch, f"{request}: bad response ({type(exc).__name__})")
        except OSError as exc:
            return failed(self.name, watch, f"{request}: {describe_os_error(exc)}")
        finally:
            conn.close()
        problem = self._check(response.status, body)
        if problem is not None:
            return failed(self.name, watch, f"{request} -> {response.status}{problem}")
        return passed(self.name, watch, f"{request} -> {response.status}")

    def _check(self, status: int, body: bytes) -> str | None:
        """None when the response is as expected, else a short reason (appended to "GET /x -> 500")."""
        if status != self.status:
            return "" if self.status == 200 else f" (expected {self.status})"
        text = body.decode("utf-8", errors="replace")
        if self.body_contains is not None and self.body_contains not in text:
            return f": body lacks {self.body_contains!r}"
        if self.json_expect:
            try:
                document = json.loads(text)
            except ValueError:
                return ": body is not JSON"
            for key, expected in self.json_expect.items():
                actual = dotted(document, key)
                if actual is MISSING:
                    return f": JSON has no {key!r}"
                if actual != expected:
                    return f": JSON {key}={actual!r}, expected {expected!r}"
        return None
