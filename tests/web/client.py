"""A raw HTTP client for serve's API: every header under the test's control (Host, Origin, cookies), so the
security matrix can send what a browser on another site or a DNS-rebinding page would."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Api:
    port: int
    token: str | None = None
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(self, method: str, path: str, *, body: bytes | dict[str, Any] | None = None,
                headers: dict[str, str] | None = None, host: str | None = None, token: str | None = None,
                timeout: float = 30) -> Reply:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        sent = {"Host": host or f"127.0.0.1:{self.port}"}
        bearer = token if token is not None else self.token
        if bearer:
            sent["Authorization"] = f"Bearer {bearer}"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data: bytes | None
        if isinstance(body, dict):
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        else:
            data = body
        sent.update(headers or {})
        try:
            conn.request(method, path, body=data, headers=sent)
            resp = conn.getresponse()
            return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
        finally:
            conn.close()

    def get(self, path: str, **kw: Any) -> Reply:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: bytes | dict[str, Any] | None = None, **kw: Any) -> Reply:
        return self.request("POST", path, body=body if body is not None else {}, **kw)
