"""The JSON API under /api/v1: one module per family of routes, each calling `shipmate.ops` only."""

from __future__ import annotations

from fastapi import APIRouter

from shipmate.web.api import identity_routes, read_routes
from shipmate.web.api.action_routes import action_routes
from shipmate.web.api.deployment_routes import deployment_routes
from shipmate.web.jobs import Jobs


def api_router() -> APIRouter:
    jobs = Jobs()   # the long operations this serve runs (cancel reaches them)
    router = APIRouter()
    router.include_router(identity_routes.router)
    router.include_router(read_routes.router)
    router.include_router(deployment_routes(jobs))
    router.include_router(action_routes(jobs))
    return router
