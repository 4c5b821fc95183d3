"""The interface every target (processes now; Docker, Swarm, files later) implements."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from shipmate.model import InstanceRef, LaunchSpec


@dataclass(frozen=True)
class LastOutput:
    """What an instance said last, for failure messages: the app's own lines, not the target's notes."""

    lines: list[str] = field(default_factory=list)   # oldest first, without timestamps
    exit_status: str | None = None                    # "exited with code 2", once it has stopped


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

    def last_output(self, log_path: str, lines: int) -> LastOutput:
        """The app's own last ``lines`` non-empty output lines and how it exited, if it did."""
        ...

    def listening_ports(self, ref: InstanceRef) -> list[int]:
        """TCP ports the instance (any process of it) listens on: tells "wrong port" from "not up yet"."""
        ...
