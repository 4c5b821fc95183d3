"""Plans are data: the exact steps a deployment will take, built without touching anything.

`shipmate deploy --dry-run` prints one; the engine runs one; tests compare them exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class PlanStep:
    name: str                          # the engine's action ("start_instance", "switch_route", ...)
    args: dict[str, Any] = field(default_factory=dict)
    why: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "args": dict(self.args), "why": self.why}


@dataclass(frozen=True)
class PlanInput:
    """What a strategy needs to know; all of it comes from the spec and the store, read beforehand."""

    service: str
    environment: str
    version: str
    kind: str                          # deploy | rollback
    port: int
    drain_s: float
    stop_grace_s: float
    health_deadline_s: float
    monitor_s: float
    previous_version: str | None = None
    previous_running: bool = False     # the current release has a live instance to fall back on
    previous_instance_id: str | None = None  # named in the plan, so recovery retires exactly that one
    router_mode: str = "http"          # http holds requests while no instance is ready; tcp cannot


@dataclass(frozen=True)
class Plan:
    service: str
    environment: str
    version: str
    kind: str
    strategy: str
    previous_version: str | None
    steps: tuple[PlanStep, ...]
    downtime: bool = False             # recreate stops the old release before the new one serves

    def as_dict(self) -> dict[str, Any]:
        return {
            "service": self.service, "environment": self.environment, "version": self.version,
            "kind": self.kind, "strategy": self.strategy, "previous_version": self.previous_version,
            "downtime": self.downtime, "steps": [s.as_dict() for s in self.steps],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        steps = tuple(PlanStep(s["name"], dict(s.get("args", {})), s.get("why", "")) for s in data["steps"])
        return cls(data["service"], data["environment"], data["version"], data["kind"], data["strategy"],
                   data.get("previous_version"), steps, bool(data.get("downtime", False)))

    def index_of(self, name: str) -> int | None:
        return next((i for i, s in enumerate(self.steps) if s.name == name), None)


def down_plan(service: str, environment: str, version: str, port: int, drain_s: float, grace_s: float) -> Plan:
    """Take a service off the air: route first (no new connections), then its instances."""
    steps = (
        PlanStep("route_down", {"port": port}, "close the public port: no new connections"),
        PlanStep("stop_all", {"drain_s": drain_s, "grace_s": grace_s},
                 "let open connections finish, then stop every instance of the service"),
        PlanStep("clear_current", {}, "the service has no current release any more (history is kept)"),
    )
    return Plan(service, environment, version, "down", "down", version, steps, downtime=True)
