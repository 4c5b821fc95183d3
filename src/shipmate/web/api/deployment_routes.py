"""Deployments across the host: paged and filtered lists (deployments, events), one deployment's explanation,
its events after a seq, its live stream (SSE), and cancelling it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from starlette.responses import JSONResponse, StreamingResponse

from shipmate import ops
from shipmate.errors import InvalidInputError
from shipmate.web.api.params import (
    Actor,
    CancelAccepted,
    Cursor,
    DeploymentId,
    Environment,
    Home,
    Limit,
    Since,
    State,
)
from shipmate.web.api.responses import DeploymentsPageOut, EventsPageOut, model, result
from shipmate.web.auth import Caller, needs
from shipmate.web.jobs import Jobs
from shipmate.web.paging import make_cursor, read_cursor

KEEPALIVE_SECONDS = 15.0
POLL_SECONDS = 0.25
Reader = Annotated[Caller, Depends(needs("read"))]
Deployer = Annotated[Caller, Depends(needs("deploy"))]
ServiceFilter = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")]


def deployment_routes(jobs: Jobs) -> APIRouter:
    router = APIRouter(tags=["deployments"])

    @router.get("/deployments", response_model=DeploymentsPageOut,
                summary="Every registered home's deployments, newest first, paged and filtered")
    def deployments(caller: Reader, service: ServiceFilter = None, environment: Environment = None,
                    state: State = None, actor: Actor = None, since: Since = None, home: Home = None,
                    limit: Limit = 50, cursor: Cursor = None) -> JSONResponse:
        scope = {"l": "deployments", "service": service, "environment": environment, "state": state,
                 "actor": actor, "since": since, "home": home}
        key = read_cursor(cursor, scope)
        page = ops.deployments_page(ops.list_filters(service=service, environment=environment, state=state,
                                                     actor=actor, since=since), home_id=home,
                                    before=(float(key[0]), str(key[1])) if key else None, limit=limit)
        last = page.deployments[-1] if page.deployments else None
        nxt = make_cursor([last.started_at, last.deployment_id], scope) if page.more and last else None
        return result(page, next_cursor=nxt)

    @router.get("/events", response_model=EventsPageOut,
                summary="Every registered home's audit events, newest first, paged and filtered")
    def events(caller: Reader, service: ServiceFilter = None, environment: Environment = None,
               state: State = None, actor: Actor = None, since: Since = None, home: Home = None,
               limit: Limit = 50, cursor: Cursor = None) -> JSONResponse:
        scope = {"l": "events", "service": service, "environment": environment, "state": state,
                 "actor": actor, "since": since, "home": home}
        key = read_cursor(cursor, scope)
        page = ops.events_page(ops.list_filters(service=service, environment=environment, state=state,
                                                actor=actor, since=since), home_id=home,
                               before=(int(key[0]), str(key[1])) if key else None, limit=limit)
        last = page.events[-1] if page.events else None
        nxt = make_cursor([last.event.seq, last.home_id], scope) if page.more and last else None
        return result(page, next_cursor=nxt)

    @router.get("/deployments/{deployment_id}", response_model=ops.Explanation,
                summary="As `shipmate explain`: steps, verdict, confidence factors")
    def explain(deployment_id: DeploymentId, caller: Reader, home: Home = None) -> JSONResponse:
        ref = ops.find_deployment(deployment_id, home)
        return result(ops.explain(ref.spec, deployment_id))

    @router.get("/deployments/{deployment_id}/events", response_model=ops.DeploymentEvents,
                summary="The deployment's events after a seq, and its state")
    def deployment_events(deployment_id: DeploymentId, caller: Reader, home: Home = None,
                          after: Annotated[int, Query(ge=0, le=2**62)] = 0, limit: Limit = 200) -> JSONResponse:
        ref = ops.find_deployment(deployment_id, home)
        return result(ops.deployment_events(ref, deployment_id, after=after, limit=limit))

    @router.get("/deployments/{deployment_id}/stream", response_class=StreamingResponse,
                responses={200: {"content": {"text/event-stream": {}}}},
                summary="Server-sent events: each of the deployment's events, then `end`; resumes from "
                        "Last-Event-ID")
    async def stream(request: Request, deployment_id: DeploymentId, caller: Reader, home: Home = None,
                     after: Annotated[int | None, Query(ge=0, le=2**62)] = None,
                     last_event_id: Annotated[str | None, Header(max_length=20)] = None) -> StreamingResponse:
        start = after if after is not None else _resume_from(last_event_id)
        ref = await asyncio.to_thread(ops.find_deployment, deployment_id, home)
        return StreamingResponse(_events(request, ref, deployment_id, start), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    @router.post("/deployments/{deployment_id}/cancel", response_model=CancelAccepted, status_code=202,
                 summary="Ctrl-C for a running deployment: before promote it rolls back")
    def cancel(deployment_id: DeploymentId, caller: Deployer) -> JSONResponse:
        ref = ops.find_deployment(deployment_id)
        job = jobs.cancel(deployment_id)
        ops.record_call(ref.spec, face="http", actor=caller.actor, action="cancel",
                        arguments={"deployment_id": deployment_id}, outcome="ok")
        return model(CancelAccepted(deployment_id=job.deployment_id or deployment_id, cancelling=True), 202)

    return router


def _resume_from(last_event_id: str | None) -> int:
    if last_event_id is None or not last_event_id.strip():
        return 0
    if not last_event_id.strip().isdigit():
        raise InvalidInputError(f"Last-Event-ID {last_event_id[:20]!r} is not an event id",
                                hint="send back the id of the last event received, or none")
    return int(last_event_id)


async def _events(request: Request, ref: ops.ServiceRef, deployment_id: str, after: int) -> AsyncIterator[str]:
    """Read from the store by seq: a reconnect with Last-Event-ID gets exactly what it missed."""
    idle = 0.0
    while True:
        batch = await asyncio.to_thread(ops.deployment_events, ref, deployment_id, after=after, limit=200)
        for event in batch.events:
            after = event.seq
            data = json.dumps(ops.redact_tree(event.to_json()))
            yield f"id: {event.seq}\nevent: {event.event_type}\ndata: {data}\n\n"
        if batch.finished and not batch.events:
            yield f"event: end\ndata: {json.dumps({'deployment_id': deployment_id, 'state': batch.state})}\n\n"
            return
        if batch.events:
            idle = 0.0
            continue
        if await request.is_disconnected():
            return
        await asyncio.sleep(POLL_SECONDS)
        idle += POLL_SECONDS
        if idle >= KEEPALIVE_SECONDS:
            idle = 0.0
            yield ": keepalive\n\n"
