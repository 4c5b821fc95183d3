"""GET routes (scope read): the host's services and overview, and per service what `status`, `history`,
`events`, `check`, `logs`, `approvals`, `backup list`, `secrets list` and `lock status` show."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from starlette.responses import JSONResponse, Response

from shipmate import ops
from shipmate.web.api.params import Environment, Home, Service
from shipmate.web.api.responses import result
from shipmate.web.auth import Caller, needs
from shipmate.web.coalesce import FreshRead

router = APIRouter(tags=["read"])
Reader = Annotated[Caller, Depends(needs("read"))]


# Many clients poll status (a dashboard, CI, wrk): each read costs ~0.15 s (it samples CPU for 0.1 s), so
# answers come from a read at most 1 s old (the Age header says how old); a change through this API drops it.
status_reads: FreshRead[bytes] = FreshRead(refresh_after=0.25, max_age=1.0)
_rendered: dict[str, Any] = {}


def spec_of(service: str, home: str | None) -> str:
    return ops.locate_service(service, home).spec


@router.get("/services", response_model=ops.ServicesResult, summary="Every registered home's service")
def services(caller: Reader) -> JSONResponse:
    return result(ops.registered_services())


@router.get("/overview", response_model=ops.Overview,
            summary="Services x environments: version, health, instances, restarts, last deployment, approvals")
def overview(caller: Reader) -> Response:
    made = ops.overview()
    if _rendered.get("of") is not made:   # 500 rows: render once per change, not per request
        _rendered.update({"of": made, "body": bytes(result(made).body)})
    return Response(_rendered["body"], media_type="application/json")


StatusKey = tuple[str, str | None, str | None]


def status_key(service: str, home: str | None, environment: str | None) -> StatusKey:
    return (service, home, environment)


def status_reader(service: str, home: str | None, environment: str | None) -> Callable[[], bytes]:
    """One status read, encoded as the route sends it (kept_status.py answers from the same kept bytes)."""
    def read() -> bytes:
        return bytes(result(ops.status(spec_of(service, home), environment=environment)).body)
    return read


@router.get("/services/{service}/status", response_model=ops.StatusResult,
            summary="As `shipmate status` (from a read at most 1 s old: see the Age header)")
async def status(service: Service, caller: Reader, home: Home = None, environment: Environment = None) -> Response:
    key = status_key(service, home, environment)
    read = status_reader(*key)
    hit = status_reads.peek(key, read)
    if hit is None:
        hit = await asyncio.to_thread(status_reads.read, key, read)
    age = max(0, int(time.monotonic() - hit[0]))
    return Response(hit[1], media_type="application/json", headers={"Age": str(age)})


@router.get("/services/{service}/history", response_model=ops.HistoryResult, summary="As `shipmate history`")
def history(service: Service, caller: Reader, home: Home = None, environment: Environment = None,
            limit: Annotated[int, Query(ge=1, le=200)] = 20) -> JSONResponse:
    return result(ops.history(spec_of(service, home), environment=environment, limit=limit))


@router.get("/services/{service}/events", response_model=ops.EventsResult, summary="As `shipmate events`")
def events(service: Service, caller: Reader, home: Home = None, environment: Environment = None,
           limit: Annotated[int, Query(ge=1, le=200)] = 50) -> JSONResponse:
    return result(ops.events(spec_of(service, home), environment=environment, limit=limit))


@router.get("/services/{service}/check", response_model=ops.CheckResult, summary="As `shipmate check`")
def check(service: Service, caller: Reader, home: Home = None, environment: Environment = None,
          level: Annotated[int | None, Query(ge=1, le=5)] = None) -> JSONResponse:
    return result(ops.check(spec_of(service, home), environment=environment, level=level))


@router.get("/services/{service}/logs", response_model=ops.LogsResult, summary="As `shipmate logs`")
def logs(service: Service, caller: Reader, home: Home = None, environment: Environment = None,
         lines: Annotated[int, Query(ge=1, le=5000)] = 100,
         deployment_id: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")] = None
         ) -> JSONResponse:
    return result(ops.logs(spec_of(service, home), environment=environment, lines=lines,
                           deployment_id=deployment_id))


@router.get("/services/{service}/approvals", response_model=ops.ApprovalsResult, summary="As `shipmate approvals`")
def approvals(service: Service, caller: Reader, home: Home = None,
              show_all: Annotated[bool, Query(alias="all", description="Decided and expired ones too.")] = False
              ) -> JSONResponse:
    return result(ops.list_approvals(spec_of(service, home), show_all=show_all, identity=caller.identity()))


@router.get("/services/{service}/backups", response_model=ops.BackupsList, summary="As `shipmate backup list`")
def backups(service: Service, caller: Reader, home: Home = None, environment: Environment = None) -> JSONResponse:
    return result(ops.backup_list(spec_of(service, home), environment=environment))


@router.get("/services/{service}/secrets", response_model=ops.SecretsList,
            summary="As `shipmate secrets list` (names and dates, never values)")
def secrets(service: Service, caller: Reader, home: Home = None) -> JSONResponse:
    return result(ops.secrets_list(spec_of(service, home)))


@router.get("/services/{service}/locks", response_model=ops.LocksResult, summary="As `shipmate lock status`")
def locks(service: Service, caller: Reader, home: Home = None, environment: Environment = None) -> JSONResponse:
    return result(ops.lock_status(spec_of(service, home), environment=environment))
