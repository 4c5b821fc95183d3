"""Answer with an ops result exactly as `--json` prints it (to_json, secrets filtered); the route's
response_model (the same ops type) is what /openapi.json publishes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel
from starlette.responses import JSONResponse

from shipmate import ops


def result(value: Mapping[str, Any], status: int = 200, **extra: Any) -> JSONResponse:
    body = value.to_json() if isinstance(value, ops.JsonResult) else dict(value)
    return JSONResponse(ops.redact_tree({**body, **extra}), status_code=status)


def model(value: BaseModel, status: int = 200) -> JSONResponse:
    return JSONResponse(value.model_dump(mode="json"), status_code=status)


class DeploymentsPageOut(BaseModel):
    deployments: list[ops.HostDeployment]
    more: bool
    next_cursor: str | None


class EventsPageOut(BaseModel):
    events: list[ops.HostEvent]
    more: bool
    next_cursor: str | None
