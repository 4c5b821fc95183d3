"""Releases, deployments (a state machine) and their steps (write-ahead intent, then result).

Functions take a Connection inside the caller's transaction; the Store decides the boundaries
and checks the fencing number in the same transaction.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from sqlalchemy import Connection, select

from shipmate.errors import NotFoundError, StoreError
from shipmate.model import TERMINAL_STATES, TRANSITIONS, DeploymentState
from shipmate.secrets.redact import redact
from shipmate.store import schema
from shipmate.store.rows import DeploymentRow, ReleaseRow, StepRow

DEPLOYMENT_KINDS = frozenset({"deploy", "rollback", "down", "recover"})
STEP_RESULTS = frozenset({"ok", "failed", "skipped"})

_rel, _dep, _step = schema.releases, schema.deployments, schema.steps


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


# -- releases ---------------------------------------------------------------------------------

def ensure_release(conn: Connection, service: str, version: str, digest: str,
                   spec: dict[str, Any], target_kind: str) -> ReleaseRow:
    """One row per (service, version, digest): the same triple returns the existing row."""
    stmt = select(_rel).where(_rel.c.service == service, _rel.c.version == version,
                              _rel.c.digest == digest)
    found = conn.execute(stmt).mappings().first()
    if found is None:
        conn.execute(_rel.insert().values(id=new_id("rel"), service=service, version=version,
                                          digest=digest, spec=spec, target_kind=target_kind,
                                          created_at=time.time()))
        found = conn.execute(stmt).mappings().one()
    return ReleaseRow.of(found)


def get_release(conn: Connection, release_id: str) -> ReleaseRow | None:
    m = conn.execute(select(_rel).where(_rel.c.id == release_id)).mappings().first()
    return None if m is None else ReleaseRow.of(m)


def releases_by_id(conn: Connection, release_ids: list[str]) -> dict[str, ReleaseRow]:
    """The releases among ``release_ids`` (absent ids left out), by id: a list's releases in one statement."""
    found: dict[str, ReleaseRow] = {}
    for start in range(0, len(release_ids), 500):   # bounded IN lists: every driver takes 500 parameters
        stmt = select(_rel).where(_rel.c.id.in_(release_ids[start:start + 500]))
        found.update((m["id"], ReleaseRow.of(m)) for m in conn.execute(stmt).mappings())
    return found


def set_release_facts(conn: Connection, release_id: str, facts: dict[str, Any]) -> ReleaseRow:
    row = get_release(conn, release_id)
    if row is None:
        raise StoreError(f"no release {release_id}", hint="see `shipmate history`")
    conn.execute(_rel.update().where(_rel.c.id == release_id).values(facts={**row.facts, **facts}))
    updated = get_release(conn, release_id)
    assert updated is not None
    return updated


def releases(conn: Connection, service: str, limit: int = 50) -> list[ReleaseRow]:
    stmt = (select(_rel).where(_rel.c.service == service)
            .order_by(_rel.c.created_at.desc()).limit(limit))
    return [ReleaseRow.of(m) for m in conn.execute(stmt).mappings()]


# -- deployments ------------------------------------------------------------------------------

def create_deployment(conn: Connection, *, service: str, environment: str, release_id: str,
                      kind: str, strategy: str, plan: dict[str, Any], previous_release_id: str | None,
                      trace_id: str, actor: str, fencing: int,
                      origin: dict[str, Any] | None = None) -> DeploymentRow:
    if kind not in DEPLOYMENT_KINDS:
        raise StoreError(f"unknown deployment kind {kind!r}",
                         hint=f"use one of {', '.join(sorted(DEPLOYMENT_KINDS))}")
    for rid in (release_id, previous_release_id):
        if rid is not None and get_release(conn, rid) is None:
            raise NotFoundError(f"no release {rid}", hint="create it with ensure_release first")
    now = time.time()
    dep_id = new_id("dep")
    conn.execute(_dep.insert().values(
        id=dep_id, service=service, environment=environment, release_id=release_id,
        previous_release_id=previous_release_id, kind=kind, strategy=strategy,
        state=DeploymentState.PLANNED.value, plan=plan, trace_id=trace_id, actor=actor,
        fencing=fencing, started_at=now, updated_at=now, origin=origin))
    return must_get_deployment(conn, dep_id)


def get_deployment(conn: Connection, deployment_id: str) -> DeploymentRow | None:
    m = conn.execute(select(_dep).where(_dep.c.id == deployment_id)).mappings().first()
    return None if m is None else DeploymentRow.of(m)


def must_get_deployment(conn: Connection, deployment_id: str) -> DeploymentRow:
    row = get_deployment(conn, deployment_id)
    if row is None:
        raise NotFoundError(f"no deployment {deployment_id}", hint="see `shipmate history`")
    return row


def set_state(conn: Connection, row: DeploymentRow, state: DeploymentState, *,
              error: str | None, verdict: dict[str, Any] | None,
              verified: bool | None) -> DeploymentRow:
    """Move along TRANSITIONS only; reaching a terminal state stamps finished_at."""
    state = DeploymentState(state)
    if state not in TRANSITIONS[row.state]:
        allowed = ", ".join(sorted(TRANSITIONS[row.state])) or "nothing (terminal)"
        raise StoreError(f"deployment {row.id} cannot move from {row.state} to {state}",
                         hint=f"from {row.state} it may move to: {allowed}")
    now = time.time()
    values: dict[str, Any] = {"state": state.value, "updated_at": now}
    if state in TERMINAL_STATES:
        values["finished_at"] = now
    if error is not None:
        values["error"] = redact(error)
    if verdict is not None:
        values["verdict"] = verdict
    if verified is not None:
        values["verified"] = verified
    conn.execute(_dep.update().where(_dep.c.id == row.id).values(**values))
    return must_get_deployment(conn, row.id)


def deployments(conn: Connection, service: str, environment: str, limit: int = 20) -> list[DeploymentRow]:
    stmt = (select(_dep).where(_dep.c.service == service, _dep.c.environment == environment)
            .order_by(_dep.c.started_at.desc()).limit(limit))
    return [DeploymentRow.of(m) for m in conn.execute(stmt).mappings()]


def active_deployments(conn: Connection) -> list[DeploymentRow]:
    # IN over the few active states, not NOT IN over the terminal ones: the state index then reads only the
    # active rows (a full scan of 50,000 deployments took ~50 ms of every status).
    active = sorted(s.value for s in DeploymentState if s not in TERMINAL_STATES)
    stmt = select(_dep).where(_dep.c.state.in_(active)).order_by(_dep.c.started_at.asc())
    return [DeploymentRow.of(m) for m in conn.execute(stmt).mappings()]


def last_verified_release(conn: Connection, service: str, environment: str,
                          exclude_release_id: str | None) -> ReleaseRow | None:
    """The release of the newest succeeded deployment that passed its monitor window."""
    stmt = (select(_rel).join(_dep, _dep.c.release_id == _rel.c.id)
            .where(_dep.c.service == service, _dep.c.environment == environment,
                   _dep.c.state == DeploymentState.SUCCEEDED.value, _dep.c.verified.is_(True))
            .order_by(_dep.c.finished_at.desc(), _dep.c.started_at.desc()).limit(1))
    if exclude_release_id is not None:
        stmt = stmt.where(_rel.c.id != exclude_release_id)
    m = conn.execute(stmt).mappings().first()
    return None if m is None else ReleaseRow.of(m)


# -- steps ------------------------------------------------------------------------------------

def step_intent(conn: Connection, deployment_id: str, index: int, name: str,
                intent: dict[str, Any]) -> StepRow:
    step_id = new_id("stp")
    conn.execute(_step.insert().values(id=step_id, deployment_id=deployment_id, idx=index, name=name,
                                       status="started", intent=intent, started_at=time.time()))
    return must_get_step(conn, step_id)


def must_get_step(conn: Connection, step_id: str) -> StepRow:
    m = conn.execute(select(_step).where(_step.c.id == step_id)).mappings().first()
    if m is None:
        raise NotFoundError(f"no step {step_id}", hint="steps are created by step_intent")
    return StepRow.of(m)


def step_result(conn: Connection, step: StepRow, status: str, result: dict[str, Any]) -> StepRow:
    if status not in STEP_RESULTS:
        raise StoreError(f"step {step.id}: unknown result status {status!r}",
                         hint=f"use one of {', '.join(sorted(STEP_RESULTS))}")
    if step.status != "started":
        raise StoreError(f"step {step.id} ({step.name}) already has a result ({step.status})",
                         hint="write a new step instead of changing a finished one")
    conn.execute(_step.update().where(_step.c.id == step.id)
                 .values(status=status, result=result, finished_at=time.time()))
    return must_get_step(conn, step.id)


def steps(conn: Connection, deployment_id: str) -> list[StepRow]:
    stmt = (select(_step).where(_step.c.deployment_id == deployment_id)
            .order_by(_step.c.idx, _step.c.started_at, _step.c.id))
    return [StepRow.of(m) for m in conn.execute(stmt).mappings()]
