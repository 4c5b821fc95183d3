"""What serve's host-wide reads return: the registered services, the overview (one row per service and
environment), and pages of deployments and events across every registered home."""

from __future__ import annotations

from dataclasses import dataclass

from shipmate.ops.results.audit import AuditEvent
from shipmate.ops.results.json_result import JsonResult


@dataclass(frozen=True)
class ServiceRef(JsonResult):
    home_id: str                 # the registry entry's key: `?home=` picks it when service names collide
    home: str
    spec: str
    service: str
    environments: list[str]


@dataclass(frozen=True)
class ServicesResult(JsonResult):
    services: list[ServiceRef]
    warnings: list[str]


@dataclass(frozen=True)
class LastDeployment(JsonResult):
    deployment_id: str
    actor: str
    state: str
    started_at: float
    finished_at: float | None


@dataclass(frozen=True)
class OverviewRow(JsonResult):
    home_id: str
    service: str
    environment: str
    version: str | None          # the current release's, None before the first deploy
    artifact_hash: str | None
    health: str                  # healthy | degraded | down | not_deployed (from the store: no engine calls)
    instances_alive: int
    instances_wanted: int
    restarts: int
    last_deployment: LastDeployment | None
    pending_approvals: int
    supervised: bool             # a live `shipmate serve` holds this home's supervision lock


@dataclass(frozen=True)
class Overview(JsonResult):
    services: list[OverviewRow]
    homes: int
    warnings: list[str]


@dataclass(frozen=True)
class HostDeployment(JsonResult):
    home_id: str
    service: str
    environment: str
    deployment_id: str
    trace_id: str
    version: str | None
    kind: str
    strategy: str
    state: str
    verified: bool
    actor: str
    started_at: float
    finished_at: float | None
    error: str | None


@dataclass(frozen=True)
class DeploymentsPage(JsonResult):
    deployments: list[HostDeployment]
    more: bool                   # another page follows (the face hands out a cursor for it)


@dataclass(frozen=True)
class HostEvent(JsonResult):
    home_id: str
    actor: str
    event: AuditEvent


@dataclass(frozen=True)
class EventsPage(JsonResult):
    events: list[HostEvent]
    more: bool


@dataclass(frozen=True)
class DeploymentEvents(JsonResult):
    """A deployment's events after a seq (the live stream's next batch) and its state now."""

    deployment_id: str
    state: str
    finished: bool
    events: list[AuditEvent]
