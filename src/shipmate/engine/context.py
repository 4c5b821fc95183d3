"""What the engine carries while it drives one deployment: its parts and what it has learned."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipmate.model import InstanceRef, Verdict
from shipmate.plan import Plan
from shipmate.release_config import ReleaseConfig

if TYPE_CHECKING:
    from shipmate.engine.lease import Lease
    from shipmate.store.rows import DeploymentRow, InstanceRow
    from shipmate.store.store import Store
    from shipmate.targets.base import Target
    from shipmate.traffic import TrafficRouter

Progress = Callable[[str, dict[str, Any]], None]


def no_progress(message: str, data: dict[str, Any]) -> None:
    """Default progress sink: faces that show nothing (e.g. --json) pass this."""


@dataclass
class Runtime:
    """The engine's dependencies, built once per command by the ops layer."""

    store: Store
    target: Target
    router: TrafficRouter
    home: Path
    home_id: str
    actor: str
    progress: Progress = no_progress

    def log_path(self, service: str, environment: str, instance_id: str) -> str:
        return str(self.home / "logs" / service / environment / f"{instance_id}.log")


def ref_of(row: InstanceRow) -> InstanceRef:
    """The target's ref for a stored instance. Rows written before the handle column were all process
    instances, whose handle is exactly their pid / create_time / log_path columns."""
    handle = row.handle or {"pid": row.pid or 0, "create_time": row.create_time or 0.0, "log_path": row.log_path or ""}
    return InstanceRef(row.id, row.port or 0, dict(handle))


@dataclass
class Previous:
    """The release serving before this deployment, and its live instances when the plan was made."""

    release_id: str
    config: ReleaseConfig
    instance_ids: tuple[str, ...] = ()


@dataclass
class DeployContext:
    rt: Runtime
    lease: Lease
    deployment: DeploymentRow
    plan: Plan
    release_id: str
    config: ReleaseConfig
    previous: Previous | None
    verdict: Verdict | None = None
    verified: bool = False             # every analysis/monitor window so far passed (and there was one)
    unproven: bool = False             # a window was inconclusive and kept: never verified
    warnings: list[str] = field(default_factory=list)   # shown by every face; never roll back
    started: float = field(default_factory=time.monotonic)

    @property
    def fencing(self) -> int:
        return self.lease.fencing

    @property
    def service(self) -> str:
        return self.config.service

    @property
    def environment(self) -> str:
        return self.config.environment

    def event(self, event_type: str, status: str, **kw: Any) -> None:
        self.rt.store.append_event(
            event_type=event_type, service=self.service, environment=self.environment,
            version=self.config.version, status=status, deployment_id=self.deployment.id,
            trace_id=self.deployment.trace_id, deployed_by=self.rt.actor, **kw)
