"""Process probe: is the instance's process (this very one, not a reused pid) still running?"""

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
            alive = self.target.is_alive(self.ref)
        except ShipmateError as exc:
            return failed(self.name, watch, f"pid {self.ref.pid}: {exc.message}")
        if alive:
            return passed(self.name, watch, f"pid {self.ref.pid} running")
        detail = f"pid {self.ref.pid} is not running"
        last = self._last_log_line()
        return failed(self.name, watch, f"{detail}; last log: {last}" if last else detail)

    def _last_log_line(self) -> str:
        """Why it died is usually the log's last line; reading it is cheap (from the end)."""
        if not self.ref.log_path:
            return ""
        try:
            lines = self.target.read_logs(self.ref.log_path, 1)
        except (ShipmateError, OSError):
            return ""
        return lines[-1][:200] if lines else ""
