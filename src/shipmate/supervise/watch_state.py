"""What `serve` holds in memory per current release and per instance: rebuilt from the store by a new `serve`
(the crash-loop count and the backoff streak too, from the death events serve wrote)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shipmate.release_config import ReleaseConfig
from shipmate.store.rows import InstanceRow
from shipmate.supervise.restart_policy import Liveness


@dataclass
class Pending:
    due: float
    replaces: dict[str, Any]     # how the instance it replaces ended
    restarts: int
    dead: InstanceRow | None = None   # the row it replaces, still to be marked failed (restarted at once)
    decision: dict[str, Any] | None = None   # why, for the death's audit event (written after the restart)


@dataclass
class ServiceWatch:
    """One current release (service/environment) and what serve knows of its recent deaths."""

    service: str
    environment: str
    release_id: str = ""
    deployment_id: str = ""
    config: ReleaseConfig | None = None
    current_since: float = 0.0
    deaths: list[float] = field(default_factory=list)
    streak: int = 0
    restarts: int = 0
    pending: list[Pending] = field(default_factory=list)
    suspects: dict[str, float] = field(default_factory=dict)   # died while someone else held the lock
    rollback_from: dict[str, Any] | None = None                 # evidence, while an automatic rollback waits
    degraded: bool = False

    @property
    def key(self) -> str:
        return f"{self.service}/{self.environment}"


@dataclass
class Watched:
    row: InstanceRow
    svc: ServiceWatch
    liveness: Liveness = field(default_factory=Liveness)
    next_check: float = 0.0
    polled: bool = False          # no pidfd (a container): its death is found by the liveness round
    engine_restarts: int = 0      # Docker's RestartCount when last looked at (it restarts by its policy)
    grace_until: float = 0.0      # failed checks before this do not count (it was just restarted by its engine)
