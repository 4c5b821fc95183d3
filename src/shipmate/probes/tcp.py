"""TCP probe: can a connection be opened (the port is listening)?"""

from __future__ import annotations

import socket

from shipmate.model import ProbeResult
from shipmate.probes.base import Stopwatch, describe_os_error, failed, passed


class TcpProbe:
    def __init__(self, host: str, port: int, timeout: float = 2.0, *, name: str | None = None) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self.name = name or f"tcp {host}:{port}"

    def run(self) -> ProbeResult:
        watch = Stopwatch()
        where = f"{self.host}:{self.port}"
        try:
            with socket.create_connection((self.host, self.port), timeout=self.timeout):
                pass
        except TimeoutError:
            return failed(self.name, watch, f"connect {where}: timed out after {self.timeout}s")
        except OSError as exc:
            return failed(self.name, watch, f"connect {where}: {describe_os_error(exc)}")
        return passed(self.name, watch, f"connect {where}: ok")
