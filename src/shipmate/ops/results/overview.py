"""What the dashboard's overview shows: every registered service x environment on this host, in one table."""

from __future__ import annotations

from dataclasses import dataclass

from shipmate.ops.results.json_result import JsonResult


@dataclass(frozen=True)
class LastDeployment(JsonResult):
    deployment_id: str
    actor: str
    started_at: float
    state: str
    kind: str
    version: str | None


@dataclass(frozen=True)
class ServiceOverview(JsonResult):
    home: str                 # the state home's folder
    home_id: str              # picks a service when two homes have one of the same name
    spec: str
    service: str
    environment: str
    version: str | None
    artifact_short: str | None
    health: str               # healthy | degraded | down | never deployed
    alive: int                # instances of the current release alive now
    wanted: int               # replicas the current release asks for
    restarts: int             # restarts `shipmate serve` made for them
    last_deployment: LastDeployment | None
    in_progress: str | None   # the id of a deployment running now
    pending_approvals: int
    supervised: bool          # a `shipmate serve` holds this home's lock now


@dataclass(frozen=True)
class OverviewResult(JsonResult):
    services: list[ServiceOverview]
    warnings: list[str]       # registry entries dropped, homes that could not be read
