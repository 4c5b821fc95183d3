"""Level 3's engine-side check: the container's own HEALTHCHECK state, as its target reports it."""

from __future__ import annotations

from shipmate.errors import ShipmateError
from shipmate.model import InstanceRef, ProbeResult
from shipmate.probes.base import Stopwatch, failed, passed
from shipmate.targets.base import Target


class ContainerHealthProbe:
    """Passes when the image has no HEALTHCHECK or it reports healthy; "starting" and "unhealthy" fail."""

    def __init__(self, target: Target, ref: InstanceRef) -> None:
        self.target = target
        self.ref = ref
        self.name = f"healthcheck {ref.instance_id}"

    def run(self) -> ProbeResult:
        watch = Stopwatch()
        try:
            seen = self.target.inspect(self.ref.handle)
        except ShipmateError as exc:
            return failed(self.name, watch, exc.message)
        if seen.health is None:
            return passed(self.name, watch, "no HEALTHCHECK")
        if seen.health == "healthy":
            return passed(self.name, watch, "docker health: healthy")
        return failed(self.name, watch, f"docker health: {seen.health}")
