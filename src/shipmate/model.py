"""Domain types shared by every layer: plain data, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class DeploymentState(StrEnum):
    PLANNED = "planned"
    RUNNING = "running"
    VERIFYING = "verifying"
    MONITORING = "monitoring"
    SUCCEEDED = "succeeded"
    ROLLING_BACK = "rolling_back"
    ROLLED_BACK = "rolled_back"
    FAILED = "failed"

    @property
    def terminal(self) -> bool:
        return self in TERMINAL_STATES


TERMINAL_STATES = frozenset({DeploymentState.SUCCEEDED, DeploymentState.ROLLED_BACK, DeploymentState.FAILED})

# The only moves the state machine allows; the store refuses any other.
TRANSITIONS: dict[DeploymentState, frozenset[DeploymentState]] = {
    DeploymentState.PLANNED: frozenset({DeploymentState.RUNNING, DeploymentState.FAILED,
                                        DeploymentState.ROLLING_BACK, DeploymentState.ROLLED_BACK}),
    DeploymentState.RUNNING: frozenset({DeploymentState.VERIFYING, DeploymentState.ROLLING_BACK,
                                        DeploymentState.SUCCEEDED, DeploymentState.FAILED}),
    DeploymentState.VERIFYING: frozenset({DeploymentState.MONITORING, DeploymentState.ROLLING_BACK,
                                          DeploymentState.SUCCEEDED, DeploymentState.RUNNING}),
    DeploymentState.MONITORING: frozenset({DeploymentState.SUCCEEDED, DeploymentState.ROLLING_BACK,
                                           DeploymentState.RUNNING}),
    DeploymentState.ROLLING_BACK: frozenset({DeploymentState.ROLLED_BACK, DeploymentState.FAILED}),
    DeploymentState.SUCCEEDED: frozenset(),
    DeploymentState.ROLLED_BACK: frozenset(),
    DeploymentState.FAILED: frozenset(),
}


class Phase(StrEnum):
    """Outcome of one probe, or of a whole monitor window (a verdict)."""

    PASS = "pass"
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True)
class ProbeResult:
    """One observation; unhealthy is a result, never an exception."""

    probe: str
    phase: Phase
    latency_ms: float
    detail: str = ""


@dataclass(frozen=True)
class Verdict:
    """A monitor window's answer and the evidence behind it (JSON-ready, so events and --json show it).

    ``evidence`` holds each rule's observed value against its threshold, the sample counts per
    source and the window's coverage; ``decided_by`` names the "source.rule" that settled it.
    """

    phase: Phase
    reasons: tuple[str, ...] = ()
    samples: int = 0
    error_rate: float = 0.0
    p95_ms: float | None = None
    evidence: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    decided_by: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {"phase": self.phase.value, "reasons": list(self.reasons), "samples": self.samples,
                "error_rate": round(self.error_rate, 4),
                "p95_ms": None if self.p95_ms is None else round(self.p95_ms, 2),
                "decided_by": self.decided_by, "evidence": self.evidence}


@dataclass(frozen=True)
class LaunchSpec:
    """Everything a target needs to start one instance of a release."""

    instance_id: str
    argv: tuple[str, ...]
    cwd: str
    env: dict[str, str]
    port: int
    log_path: str
    home_id: str                      # marks our processes so strays can be found after a crash
    log_max_bytes: int = 10 * 1024 * 1024
    log_backups: int = 3
    settings: dict[str, Any] = field(default_factory=dict)   # the release's target_settings


LOCAL_HOST = "127.0.0.1"


@dataclass(frozen=True)
class InstanceRef:
    """How to find a running instance again: its id, its port, and a handle only its target reads.

    The handle is JSON-ready and opaque outside ``targets/``: the process target keeps pid + create
    time (so a reused pid never matches) and the log path; a container target keeps a container id.
    """

    instance_id: str
    port: int
    handle: dict[str, Any] = field(default_factory=dict)

    @property
    def host(self) -> str:
        """Where ``port`` is reached from this machine: 127.0.0.1, or another node's address (``handle["host"]``,
        the one handle key every layer may read)."""
        return str(self.handle.get("host") or LOCAL_HOST)
