"""The API's parameters and its few own models (the results themselves are the ops result types).

Every name that reaches a file path (service, environment, ids) is a plain label: a `..` or `/` in it is a 422
before any operation runs (no path traversal through `logs` or any other route)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from pydantic import BaseModel, Field

LABEL = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$"
ID = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"
HOME = r"^[0-9a-f]{16}$"

Service = Annotated[str, Path(pattern=LABEL, description="The service name (the spec's `service`).")]
DeploymentId = Annotated[str, Path(pattern=ID, description="A deployment id, e.g. dep_1a2b3c.")]
ApprovalId = Annotated[str, Path(pattern=ID, description="An approval id, e.g. apr_1a2b3c.")]
Home = Annotated[str | None, Query(pattern=HOME,
                                   description="A home id (GET /api/v1/services): picks one when names collide.")]
Environment = Annotated[str | None, Query(pattern=LABEL, description="An environment (default: the spec's first).")]
Limit = Annotated[int, Query(ge=1, le=200, description="Rows per page (at most 200).")]
Cursor = Annotated[str | None, Query(max_length=1000, description="next_cursor of the previous page.")]
Since = Annotated[float | None, Query(ge=0, le=1e11, description="Only rows from this unix time on.")]
Actor = Annotated[str | None, Query(max_length=128, description="Only rows by this actor (e.g. token:alice).")]
State = Annotated[str | None, Query(pattern=r"^[a-z_]{1,32}$", description="A deployment state / event status.")]


class DeployBody(BaseModel):
    environment: str | None = Field(default=None, pattern=LABEL)
    version: str | None = Field(default=None, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
    force: bool = False
    note: str | None = Field(default=None, max_length=500)


class RollbackBody(BaseModel):
    environment: str | None = Field(default=None, pattern=LABEL)
    to_version: str | None = Field(default=None, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
    force: bool = False


class PromoteBody(BaseModel):
    from_env: str = Field(pattern=LABEL)
    to_env: str = Field(pattern=LABEL)
    version: str | None = Field(default=None, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")


class EnvironmentBody(BaseModel):
    environment: str | None = Field(default=None, pattern=LABEL)


class LockReleaseBody(BaseModel):
    environment: str | None = Field(default=None, pattern=LABEL)
    force: bool = False


class DecisionBody(BaseModel):
    comment: str | None = Field(default=None, max_length=500)
    code: str | None = Field(default=None, max_length=64, description="A person's one-time code, if any.")


class RejectBody(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


class ProbeBody(BaseModel):
    target: str = Field(min_length=1, max_length=500, description="An MCP server URL or command, as `probe mcp`.")
    calls: int = Field(default=5, ge=1, le=100)
    tool: str | None = Field(default=None, max_length=100)


class Accepted(BaseModel):
    """202: the deployment runs on; follow it with `stream` (SSE) or `events`, stop it with `cancel`."""

    deployment_id: str
    trace_id: str
    home_id: str
    stream: str
    events: str
    cancel: str


class CancelAccepted(BaseModel):
    deployment_id: str
    cancelling: bool
