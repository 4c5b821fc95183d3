"""Plans are data: the exact steps a deployment will take, built without touching anything.

`shipmate deploy --dry-run` prints one; the engine runs one; tests compare them exactly.

Each strategy builds its forward ``steps`` and its ``abort_steps`` (how to put the previous
release back). Steps carry flags, and the runner, the rollback path and crash recovery decide
from those flags only, never from step names:

- ``commit_point``: once this step is done (and the new instances still run), the release has
  proven itself; a crash after it is finished forward, a crash before it is rolled back.
- ``cleanup``: tidying after promote; its failure is a warning, never a rollback.
- ``waits``: only waits (a drain); an interruption after promote skips it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FLAGS = frozenset({"commit_point", "cleanup", "waits"})
COMMIT_POINT, CLEANUP, WAITS = "commit_point", "cleanup", "waits"


@dataclass(frozen=True)
class PlanStep:
    name: str                          # the engine's action ("start_instances", "switch_route", ...)
    args: dict[str, Any] = field(default_factory=dict)
    why: str = ""
    flags: frozenset[str] = field(default_factory=frozenset)
    enters: str | None = None          # the deployment state this step moves to (verifying, monitoring)

    def __post_init__(self) -> None:
        unknown = self.flags - FLAGS
        if unknown:
            raise ValueError(f"unknown plan step flags {sorted(unknown)}")  # a strategy bug

    def has(self, flag: str) -> bool:
        return flag in self.flags

    def with_flags(self, *flags: str) -> PlanStep:
        return PlanStep(self.name, self.args, self.why, self.flags | frozenset(flags), self.enters)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "args": dict(self.args), "why": self.why,
                               "flags": sorted(self.flags)}
        if self.enters:
            out["enters"] = self.enters
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PlanStep:
        return cls(data["name"], dict(data.get("args", {})), data.get("why", ""),
                   frozenset(data.get("flags", ())), data.get("enters"))


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
    previous_running: bool = False     # the current release has live instances to fall back on
    previous_instance_ids: tuple[str, ...] = ()  # named in the plan, so recovery retires exactly those
    router_mode: str = "http"          # http holds requests while no instance is ready; tcp cannot
    replicas: int = 1
    previous_replicas: int = 1
    canary_steps: tuple[tuple[int, float], ...] = ()   # (weight %, pause seconds)
    max_surge: int = 1
    max_unavailable: int = 1
    fast_rollback: bool = False        # rolling back to a release that passed lately: no canary steps
    native: bool = False               # the target's engine replaces instances itself (Swarm): strategies/native.py
    converge_s: float = 300.0          # native: how long our update may take before it counts as failed


@dataclass(frozen=True)
class Plan:
    service: str
    environment: str
    version: str
    kind: str
    strategy: str
    previous_version: str | None
    steps: tuple[PlanStep, ...]
    downtime: bool = False             # recreate in tcp mode stops the old release before the new one serves
    abort_steps: tuple[PlanStep, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "service": self.service, "environment": self.environment, "version": self.version,
            "kind": self.kind, "strategy": self.strategy, "previous_version": self.previous_version,
            "downtime": self.downtime, "steps": [s.as_dict() for s in self.steps],
            "abort_steps": [s.as_dict() for s in self.abort_steps],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        if data["kind"] != "down" and "abort_steps" not in data:
            data = _from_single_instance_plan(data)
        steps = tuple(PlanStep.from_dict(s) for s in data["steps"])
        abort = tuple(PlanStep.from_dict(s) for s in data.get("abort_steps", ()))
        return cls(data["service"], data["environment"], data["version"], data["kind"], data["strategy"],
                   data.get("previous_version"), steps, bool(data.get("downtime", False)), abort)

    def commit_index(self) -> int | None:
        """The last step flagged commit_point: done, the release has proven itself."""
        marked = [i for i, s in enumerate(self.steps) if s.has(COMMIT_POINT)]
        return marked[-1] if marked else None

    def retired_instance_ids(self) -> tuple[str, ...]:
        """Every previous instance the plan names to retire (recovery retires exactly these)."""
        seen: list[str] = []
        for step in self.steps:
            for iid in step.args.get("instance_ids", ()):
                if iid not in seen:
                    seen.append(str(iid))
        return tuple(seen)


def _from_single_instance_plan(data: dict[str, Any]) -> dict[str, Any]:
    """A plan stored by shipmate before replicas (a deployment cut short across an upgrade), in today's terms.

    Those plans had no flags: their proof was the monitor step (else the switch), and what came
    after promote was cleanup. Only this bridge reads old step names; the engine never does.
    """
    steps = [dict(s, args=dict(s.get("args", {}))) for s in data["steps"]]
    for step in steps:
        if step["name"] == "start_instance":
            step["name"], step["args"] = "start_instances", {**step["args"], "total": 1}
        old_id = step["args"].pop("instance_id", None)
        if step["name"] in ("drain_old", "stop_old"):
            step["args"]["instance_ids"] = [old_id] if old_id else []
    names = [s["name"] for s in steps]
    proof = "monitor" if "monitor" in names else "switch_route"
    promoted = names.index("promote") if "promote" in names else len(steps)
    for index, step in enumerate(steps):
        flags = set(step.get("flags", ()))
        if step["name"] == proof:
            flags.add(COMMIT_POINT)
        if index > promoted:
            flags.add(CLEANUP)
        if step["name"] == "drain_old":
            flags.add(WAITS)
        step["flags"] = sorted(flags)
    abort = [{"name": "restore_previous", "args": {"port": steps[0]["args"].get("port")}},
             {"name": "stop_new", "args": {}}]
    return {**data, "steps": steps, "abort_steps": abort}


def down_plan(service: str, environment: str, version: str, port: int, drain_s: float, grace_s: float) -> Plan:
    """Take a service off the air: route first (no new connections), then its instances.

    It has no abort steps: there is nothing to put back, so a crashed `down` is always finished.
    """
    steps = (
        PlanStep("route_down", {"port": port}, "close the public port: no new connections"),
        PlanStep("stop_all", {"drain_s": drain_s, "grace_s": grace_s},
                 "let open connections finish, then stop every instance of the service"),
        PlanStep("clear_current", {}, "the service has no current release any more (history is kept)"),
    )
    return Plan(service, environment, version, "down", "down", version, steps, downtime=True)
