"""Process probe: is the instance (this very one, not a reused pid) still running?"""

from __future__ import annotations

from shipmate.errors import ShipmateError
from shipmate.model import InstanceRef, ProbeResult
from shipmate.probes.base import Stopwatch, failed, passed
from shipmate.targets.base import Target


class ProcessProbe:
    def __init__(self, target: Target, ref: InstanceRef, *, name: str | None = None) -> None:
        self.target = target
        self.ref = ref
        self.name = name or f"process {ref.instance_id}"

    def run(self) -> ProbeResult:
        watch = Stopwatch()
        try:
            seen = self.target.inspect(self.ref.handle)
        except ShipmateError as exc:
            return failed(self.name, watch, f"{self.ref.instance_id}: {exc.message}")
        if seen.alive:
            return passed(self.name, watch, seen.detail or f"{self.ref.instance_id} running")
        detail = f"pid {seen.pid} is not running" if seen.pid else f"{self.ref.instance_id} is not running"
        last = self._last_log_line()
        return failed(self.name, watch, f"{detail}; last log: {last}" if last else detail)

    def _last_log_line(self) -> str:
        """Why it died is usually the log's last line; reading it is cheap (from the end)."""
        try:
            lines = self.target.read_logs(self.ref.handle, 1)
        except (ShipmateError, OSError):
            return ""
        return lines[-1][:200] if lines else ""
