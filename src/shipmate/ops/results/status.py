"""What `status` returns: each environment's current release, its instances as their targets see them now,
and what is in progress."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shipmate.ops.results.deployments import DeploymentRecord
from shipmate.ops.results.json_result import OMIT_IF_NONE, JsonResult


@dataclass(frozen=True)
class CurrentRelease(JsonResult):
    version: str | None
    artifact: str | None  # the release's artifact hash (process snapshot sha256, docker image id): tells twins apart
    release_id: str
    deployment_id: str
    since: float
    replicas: int | None
    live: int             # instances of this release alive now
    port: int | None      # the public port
    artifact_short: str | None = field(default=None, kw_only=True)   # the files' short hash: 1.0.0 (3f2a9c1b)
    # a process release's snapshot, and files its instances made there (kept and reported, never pruned)
    snapshot: str | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)
    created_files: list[str] | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)


@dataclass(frozen=True)
class InstanceStatus(JsonResult):
    instance_id: str
    version: str | None
    port: int | None
    host: str
    pid: int | None
    status: str
    alive: bool
    role: str             # current | new (the deployment in progress) | old
    artifact: str | None = None
    restarts: int = 0                         # restarts `shipmate serve` made in this instance's place
    last_exit: dict[str, Any] | None = None   # how the instance it replaced ended: {status, at, pid}
    uptime_s: float | None = None
    cpu_percent: float | None = None          # over a 0.1 s look (process target)
    memory_mb: float | None = None
    in_rotation: bool | None = None           # a member of the router's route with weight now; None: not routed


@dataclass(frozen=True)
class Supervisor(JsonResult):
    """Whether a `shipmate serve` watches this home now (it holds the home's "serve" lock while it runs)."""

    running: bool
    pid: int | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)
    command: str | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)
    message: str | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)
    hint: str | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)


@dataclass(frozen=True)
class DeploymentInProgress(JsonResult):
    deployment_id: str
    state: str
    kind: str


@dataclass(frozen=True)
class EnvironmentStatus(JsonResult):
    environment: str
    current: CurrentRelease | None
    serving: bool         # the current release is live and its public port answers
    instances: list[InstanceStatus]
    deployment_in_progress: DeploymentInProgress | None
    last_deployment: DeploymentRecord | None


@dataclass(frozen=True)
class NeverDeployedEnvironment(JsonResult):
    """An environment of a home with no state yet: nothing current, nothing serving."""

    environment: str
    current: None = None
    serving: bool = False
    instances: tuple[InstanceStatus, ...] = ()


@dataclass(frozen=True)
class StatusResult(JsonResult):
    service: str
    home: str
    environments: list[EnvironmentStatus | NeverDeployedEnvironment]
    supervisor: Supervisor | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)
    # only in a folder never deployed (no state yet): said so, and nothing was created by asking
    never_deployed: bool | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)
