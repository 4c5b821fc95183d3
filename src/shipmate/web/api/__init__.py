"""The JSON API under /api/v1: one module per family of routes, each calling `shipmate.ops` only."""

from __future__ import annotations

from fastapi import APIRouter

from shipmate.web.api import identity_routes


def api_router() -> APIRouter:
    router = APIRouter()
    router.include_router(identity_routes.router)
    return router
