"""The interface every target (processes now; Docker, Swarm, files later) implements."""

from __future__ import annotations

from typing import Protocol

from shipmate.model import InstanceRef, LaunchSpec


class Target(Protocol):
    """Starts, inspects and stops instances; never decides anything (that is the engine's job)."""

    kind: str

    def start(self, launch: LaunchSpec) -> InstanceRef:
        """Start one instance detached; return as soon as it runs (health is the probes' job).

        Raises PrerequisiteMissing when the command cannot be found or run, TargetError otherwise.
        """
        ...

    def is_alive(self, ref: InstanceRef) -> bool:
        """True only if this very instance (not a reused pid) still runs."""
        ...

    def stop(self, ref: InstanceRef, grace: float) -> None:
        """Polite stop (SIGTERM), then forced after ``grace`` seconds; stopping a gone instance is fine."""
        ...

    def find_strays(self, home_id: str, known: set[str]) -> list[InstanceRef]:
        """Instances started by this shipmate home whose ids are not in ``known`` (crash leftovers)."""
        ...

    def read_logs(self, log_path: str, lines: int) -> list[str]:
        """The last ``lines`` lines of an instance's log (across rotated files)."""
        ...
