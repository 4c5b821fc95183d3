"""What `serve` changes, each under the service's deployment lock like any command (a deploy holding it
wins: LockHeldError goes back to the loop, which records that and tries again later).

A restart goes through the engine's own start path (engine/instances.py start + wait_healthy) with the
release's recorded config, so it runs what a deploy or a rollback of that release would run.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from shipmate.engine import instances, routing
from shipmate.engine.context import Runtime, ref_of
from shipmate.engine.lease import Lease
from shipmate.errors import ShipmateError
from shipmate.release_config import ReleaseConfig
from shipmate.store.rows import InstanceRow

SERVE_ACTOR = "shipmate-serve"
log = logging.getLogger("shipmate.serve")
LAST_LINES = 5


def exit_record(rt: Runtime, row: InstanceRow, cause: str | None = None) -> dict[str, Any]:
    """How an instance ended, as far as anyone can know (an app whose pump died leaves no exit code)."""
    try:
        out = rt.target.last_output(ref_of(row).handle, LAST_LINES)
        lines, status = out.lines, out.exit_status
    except ShipmateError:
        lines, status = [], None
    return {"at": time.time(), "status": cause or status or "ended (exit code not known: not our child)",
            "last_lines": lines, "instance_id": row.instance_id, "pid": row.pid}


def record_death(rt: Runtime, row: InstanceRow, config: ReleaseConfig, ended: dict[str, Any],
                 decision: dict[str, Any], *, mark: bool = True) -> None:
    """The death as an audit event and its row marked failed under the lock. Restarted at once (``mark`` False),
    restart() does both in its own lease, right after the replacement serves: the restart comes first."""
    if not mark:
        return
    _died_event(rt, row, config, ended, decision)
    with Lease(rt.store, f"{row.service}/{row.environment}", SERVE_ACTOR) as lease:
        _mark_dead(rt, row, ended, lease.fencing)
        _route_current(rt, config, lease.fencing)


def _died_event(rt: Runtime, row: InstanceRow, config: ReleaseConfig, ended: dict[str, Any],
                decision: dict[str, Any]) -> None:
    rt.store.append_event(event_type="instance.died", service=row.service, environment=row.environment,
                          version=config.version, status="died", deployment_id=row.deployment_id,
                          deployed_by=SERVE_ACTOR, notes=f"{row.instance_id} {ended['status']}",
                          data={**ended, "decision": decision})


def _mark_dead(rt: Runtime, row: InstanceRow, ended: dict[str, Any], fencing: int) -> None:
    rt.store.set_instance_supervision(row.instance_id, {"last_exit": ended, "in_rotation": False},
                                      fencing=fencing, status="failed")


def record_engine_restart(rt: Runtime, row: InstanceRow, config: ReleaseConfig, ended: dict[str, Any],
                          reason: str) -> None:
    """Docker restarted the container by its policy: the same instance runs on; the death is still told."""
    restarts = int(row.supervision.get("restarts") or 0) + 1
    rt.store.append_event(event_type="instance.died", service=row.service, environment=row.environment,
                          version=config.version, status="restarted_by_engine", deployment_id=row.deployment_id,
                          deployed_by=SERVE_ACTOR, notes=f"{row.instance_id} {ended['status']}; {reason}",
                          data={**ended, "restarts": restarts})
    with Lease(rt.store, f"{row.service}/{row.environment}", SERVE_ACTOR) as lease:
        rt.store.set_instance_supervision(row.instance_id, {"last_exit": ended, "restarts": restarts},
                                          fencing=lease.fencing)


def restart(rt: Runtime, config: ReleaseConfig, release_id: str, deployment_id: str,
            replaces: dict[str, Any], restarts: int, dead: InstanceRow | None = None,
            decision: dict[str, Any] | None = None) -> InstanceRow:
    """A new instance in the dead one's place (``dead``, marked failed here when given), in rotation once healthy.
    One that never becomes healthy is stopped and returned as it is (status not "running", its exit in
    supervision): the caller counts a death. The critical path is one lease, the spawn, two writes and the route."""
    key = f"{config.service}/{config.environment}"
    began = time.monotonic()
    with Lease(rt.store, key, SERVE_ACTOR) as lease:
        locked = time.monotonic()
        row = instances.start(rt, config, release_id, deployment_id, lease.fencing)
        started = time.monotonic()
        healthy, results = instances.wait_healthy(rt, config, row)
        log.info("%s: restart of %s: lock %.3f s, start %.3f s, healthy %.3f s", key, row.instance_id,
                 locked - began, started - locked, time.monotonic() - started)
        supervision = {"restarts": restarts, "last_exit": replaces, "started_at": time.time()}
        if not healthy:
            if dead is not None:
                _mark_dead(rt, dead, replaces, lease.fencing)
                _died_event(rt, dead, config, replaces, decision or {})
            detail, _ = instances.failure_detail(rt, row, results, config)
            ended = exit_record(rt, row, f"not healthy after restart: {detail}")
            rt.target.stop(ref_of(row), config.stop_grace_s)
            _route_current(rt, config, lease.fencing)
            return rt.store.set_instance_supervision(
                row.instance_id, {**supervision, "last_exit": ended, "in_rotation": False}, fencing=lease.fencing)
        row = rt.store.set_instance_supervision(row.instance_id, {**supervision, "in_rotation": True},
                                                fencing=lease.fencing, status="running")
        # serving again from here (the dead one is left out though not yet marked): the records follow
        _route_current(rt, config, lease.fencing, leave_out={dead.instance_id} if dead is not None else set())
        if dead is not None:
            _mark_dead(rt, dead, replaces, lease.fencing)
            _died_event(rt, dead, config, replaces, decision or {})
        rt.store.append_event(event_type="instance.restarted", service=config.service, environment=config.environment,
                              version=config.version, status="running", deployment_id=deployment_id,
                              deployed_by=SERVE_ACTOR, notes=f"{row.instance_id} replaces {replaces['instance_id']}",
                              data={"instance_id": row.instance_id, "pid": row.pid, "restarts": restarts,
                                    "replaces": replaces})
        return row


def set_rotation(rt: Runtime, config: ReleaseConfig, row: InstanceRow, in_rotation: bool, why: str) -> None:
    """Take a failing instance out of the router's backends, or put a recovered one back."""
    with Lease(rt.store, f"{config.service}/{config.environment}", SERVE_ACTOR) as lease:
        rt.store.set_instance_supervision(row.instance_id, {"in_rotation": in_rotation}, fencing=lease.fencing)
        _route_current(rt, config, lease.fencing)
    rt.store.append_event(event_type="instance.rotation", service=config.service, environment=config.environment,
                          version=config.version, status="in" if in_rotation else "out",
                          deployment_id=row.deployment_id, deployed_by=SERVE_ACTOR,
                          notes=f"{row.instance_id} {'back in' if in_rotation else 'out of'} rotation: {why}",
                          data={"instance_id": row.instance_id})


def stop_hung(rt: Runtime, config: ReleaseConfig, row: InstanceRow, why: str) -> dict[str, Any]:
    """Liveness failed too often: stop the instance (SIGKILL after its grace) and return its exit record."""
    ended = exit_record(rt, row, f"stopped by serve: {why}")
    rt.target.stop(ref_of(row), config.stop_grace_s)
    return ended


def _route_current(rt: Runtime, config: ReleaseConfig, fencing: int, leave_out: set[str] | None = None) -> None:
    """The router sends the release's port to its live instances that are in rotation (all live ones when every
    one of them fails: trying beats refusing every request)."""
    if not rt.target.capabilities.routable:
        return
    cur = rt.store.current(config.service, config.environment)
    if cur is None:
        return
    live = [r for r in rt.store.instances(config.service, config.environment, live_only=True)
            if r.release_id == cur.release_id and r.status == "running" and r.instance_id not in (leave_out or ())]
    rotating = [r for r in live if r.supervision.get("in_rotation", True)]
    routing.serve_only(rt.router, config, rotating or live, fencing=fencing)
