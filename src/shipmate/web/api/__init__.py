"""The JSON API under /api/v1: one module per family of routes, each calling `shipmate.ops` only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from shipmate.web.api import identity_routes, measure_routes, read_routes
from shipmate.web.api.action_routes import action_routes
from shipmate.web.api.deployment_routes import deployment_routes
from shipmate.web.jobs import Jobs


class ErrorBody(BaseModel):
    """Every error of every route: the CLI's `--json` error object, with the HTTP status that fits."""

    code: str
    message: str
    hint: str | None
    exit_code: int
    details: dict[str, Any]


ERRORS: dict[int | str, dict[str, Any]] = {status: {"model": ErrorBody, "description": what} for status, what in (
    (400, "bad input (unreadable JSON, a tampered cursor, an unknown environment)"),
    (401, "no token, or an unknown or revoked one"), (403, "the token's scope, Origin or CSRF token says no"),
    (404, "no such service, deployment or approval"), (409, "the deployment lock is held, or a policy refuses"),
    (412, "a person's approval is needed first"), (413, "the body is over 10 MB"),
    (421, "the Host header is not this server's name"), (422, "a parameter does not match its schema"))}


def api_router() -> APIRouter:
    jobs = Jobs()   # the long operations this serve runs (cancel reaches them)
    router = APIRouter(responses=ERRORS)
    router.include_router(identity_routes.router)
    router.include_router(read_routes.router)
    router.include_router(measure_routes.router)   # uptime and report (issue 20)
    router.include_router(deployment_routes(jobs))
    router.include_router(action_routes(jobs))
    return router
