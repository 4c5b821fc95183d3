"""The probe interface: one observation of one thing, as a result, never an exception."""

from __future__ import annotations

import time
from typing import Protocol

from shipmate.model import Phase, ProbeResult


class Probe(Protocol):
    """Looks once; "unhealthy" is a FAIL result (with a short detail), never a raised error."""

    name: str

    def run(self) -> ProbeResult:
        ...


class Stopwatch:
    """Milliseconds since creation, so every probe measures latency the same way."""

    def __init__(self) -> None:
        self._start = time.perf_counter()

    def ms(self) -> float:
        return (time.perf_counter() - self._start) * 1000.0


def passed(name: str, watch: Stopwatch, detail: str = "") -> ProbeResult:
    return ProbeResult(probe=name, phase=Phase.PASS, latency_ms=watch.ms(), detail=detail)


def failed(name: str, watch: Stopwatch, detail: str) -> ProbeResult:
    return ProbeResult(probe=name, phase=Phase.FAIL, latency_ms=watch.ms(), detail=detail)


def describe_os_error(exc: OSError) -> str:
    """"connection refused" rather than "[Errno 111] Connection refused"."""
    text = exc.strerror or str(exc) or type(exc).__name__
    return text[:1].lower() + text[1:]
