"""Listening probe: does the app itself listen, as the target sees it from inside the instance?

For targets whose engine holds the published port before the app binds (Docker's proxy), a TCP
connect succeeds at once and proves nothing; this probe asks the target instead."""

from __future__ import annotations

from shipmate.errors import ShipmateError
from shipmate.model import InstanceRef, ProbeResult
from shipmate.probes.base import Stopwatch, failed, passed
from shipmate.targets.base import Target


class ListeningProbe:
    def __init__(self, target: Target, ref: InstanceRef, *, name: str | None = None) -> None:
        self.target = target
        self.ref = ref
        self.name = name or f"listening :{ref.port}"

    def run(self) -> ProbeResult:
        watch = Stopwatch()
        try:
            ports = self.target.listening_ports(self.ref)
        except ShipmateError as exc:
            return failed(self.name, watch, f"{self.ref.instance_id}: {exc.message}")
        if self.ref.port in ports:
            return passed(self.name, watch, f"the app listens behind :{self.ref.port}")
        return failed(self.name, watch, f"nothing listens inside {self.ref.instance_id} yet")
