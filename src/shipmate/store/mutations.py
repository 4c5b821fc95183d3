"""Fenced writes: deployments, steps, the current pointer and instances.

Each call is one BEGIN IMMEDIATE transaction that first checks the caller's fencing number,
then writes, then appends the caller's event (if any), so a change and its event commit together.
"""

from __future__ import annotations

from abc import abstractmethod
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import Connection

from shipmate.model import DeploymentState
from shipmate.store import confidence_rows, events, locks, serving
from shipmate.store import deployments as deps
from shipmate.store.rows import CurrentRow, DeploymentRow, EventRow, InstanceRow, ReleaseRow, StepRow

# An event to append in the same transaction: append_event's keyword arguments; the ones the
# context already knows (service, environment, deployment_id, trace_id, ...) may be left out.
EventSpec = dict[str, Any]


class WriteTx:
    """A write transaction that remembers the events it appended, for the mirror."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.appended: list[EventRow] = []
        self.lock_actor = ""

    def event(self, spec: EventSpec | None, **defaults: Any) -> None:
        if spec is not None:
            values = {"deployed_by": self.lock_actor, **defaults, **spec}
            self.appended.append(events.append(self.conn, **values))

    def fence(self, service: str, environment: str, fencing: int) -> None:
        lock = locks.check_fence(self.conn, f"{service}/{environment}", fencing)
        self.lock_actor = str(lock.owner.get("actor", ""))


class StoreMutations:
    """Mixed into Store, which provides the write transaction."""

    @abstractmethod
    def _write(self) -> AbstractContextManager[WriteTx]: ...

    # -- releases -----------------------------------------------------------------------------

    def ensure_release(self, service: str, version: str, digest: str, spec: dict[str, Any],
                       target_kind: str) -> ReleaseRow:
        with self._write() as tx:
            return deps.ensure_release(tx.conn, service, version, digest, spec, target_kind)

    def set_release_facts(self, release_id: str, facts: dict[str, Any]) -> ReleaseRow:
        """Merge ``facts`` into the release's stored facts (keys given replace theirs)."""
        with self._write() as tx:
            return deps.set_release_facts(tx.conn, release_id, facts)

    # -- deployments and steps ----------------------------------------------------------------

    def create_deployment(self, *, service: str, environment: str, release_id: str, kind: str,
                          strategy: str, plan: dict[str, Any], previous_release_id: str | None,
                          trace_id: str, actor: str, fencing: int,
                          event: EventSpec | None = None, origin: dict[str, Any] | None = None) -> DeploymentRow:
        """``origin``: a promotion's evidence from its source environment (migration 6), else None."""
        with self._write() as tx:
            tx.fence(service, environment, fencing)
            row = deps.create_deployment(
                tx.conn, service=service, environment=environment, release_id=release_id, kind=kind,
                strategy=strategy, plan=plan, previous_release_id=previous_release_id,
                trace_id=trace_id, actor=actor, fencing=fencing, origin=origin)
            tx.event(event, **self._deployment_event_defaults(tx.conn, row, row.state.value))
            return row

    def set_deployment_confidence(self, deployment_id: str, data: dict[str, Any]) -> None:
        """The score it was deployed with (not fenced: a record about the deployment, not a change to it)."""
        with self._write() as tx:
            confidence_rows.set_confidence(tx.conn, deployment_id, data)

    def set_state(self, deployment_id: str, state: DeploymentState, *, fencing: int,
                  error: str | None = None, verdict: dict[str, Any] | None = None,
                  verified: bool | None = None, event: EventSpec | None = None) -> DeploymentRow:
        with self._write() as tx:
            row = deps.must_get_deployment(tx.conn, deployment_id)
            tx.fence(row.service, row.environment, fencing)
            row = deps.set_state(tx.conn, row, state, error=error, verdict=verdict, verified=verified)
            defaults = self._deployment_event_defaults(tx.conn, row, row.state.value)
            if error is not None:
                defaults["errors"] = [error]
            tx.event(event, **defaults)
            return row

    def step_intent(self, deployment_id: str, index: int, name: str, intent: dict[str, Any], *,
                    fencing: int, event: EventSpec | None = None) -> StepRow:
        with self._write() as tx:
            row = deps.must_get_deployment(tx.conn, deployment_id)
            tx.fence(row.service, row.environment, fencing)
            step = deps.step_intent(tx.conn, deployment_id, index, name, intent)
            tx.event(event, **self._deployment_event_defaults(tx.conn, row, step.status))
            return step

    def step_result(self, step_id: str, status: str, result: dict[str, Any], *, fencing: int,
                    event: EventSpec | None = None) -> StepRow:
        with self._write() as tx:
            step = deps.must_get_step(tx.conn, step_id)
            row = deps.must_get_deployment(tx.conn, step.deployment_id)
            tx.fence(row.service, row.environment, fencing)
            step = deps.step_result(tx.conn, step, status, result)
            tx.event(event, **self._deployment_event_defaults(tx.conn, row, step.status))
            return step

    @staticmethod
    def _deployment_event_defaults(conn: Connection, row: DeploymentRow, status: str) -> dict[str, Any]:
        release = deps.get_release(conn, row.release_id)
        return {"service": row.service, "environment": row.environment, "status": status,
                "version": None if release is None else release.version, "deployment_id": row.id,
                "trace_id": row.trace_id, "deployed_by": row.actor}

    # -- current pointer and instances --------------------------------------------------------

    def set_current(self, service: str, environment: str, *, release_id: str, deployment_id: str,
                    fencing: int, event: EventSpec | None = None) -> CurrentRow:
        with self._write() as tx:
            tx.fence(service, environment, fencing)
            row = serving.set_current(tx.conn, service, environment, release_id=release_id,
                                      deployment_id=deployment_id)
            dep = deps.must_get_deployment(tx.conn, deployment_id)
            tx.event(event, **self._deployment_event_defaults(tx.conn, dep, "current"))
            return row

    def clear_current(self, service: str, environment: str, *, fencing: int,
                      event: EventSpec | None = None) -> None:
        with self._write() as tx:
            tx.fence(service, environment, fencing)
            serving.clear_current(tx.conn, service, environment)
            tx.event(event, service=service, environment=environment, version=None, status="cleared")

    def add_instance(self, *, instance_id: str, service: str, environment: str, release_id: str,
                     deployment_id: str, target_kind: str, pid: int | None = None,
                     create_time: float | None = None, port: int | None = None,
                     log_path: str | None = None, handle: dict[str, Any] | None = None,
                     status: str = "starting", fencing: int, event: EventSpec | None = None) -> InstanceRow:
        """Record an instance; ``handle`` is its target's opaque handle (pid/log columns stay for humans)."""
        with self._write() as tx:
            dep = deps.must_get_deployment(tx.conn, deployment_id)
            tx.fence(dep.service, dep.environment, fencing)
            row = serving.add_instance(
                tx.conn, instance_id=instance_id, service=service, environment=environment,
                release_id=release_id, deployment_id=deployment_id, target_kind=target_kind, pid=pid,
                create_time=create_time, port=port, log_path=log_path, handle=dict(handle or {}), status=status)
            tx.event(event, **self._deployment_event_defaults(tx.conn, dep, row.status))
            return row

    def set_instance_status(self, instance_id: str, status: str, *, fencing: int,
                            event: EventSpec | None = None) -> InstanceRow:
        with self._write() as tx:
            ins = serving.must_get_instance(tx.conn, instance_id)
            dep = deps.must_get_deployment(tx.conn, ins.deployment_id)
            tx.fence(dep.service, dep.environment, fencing)
            row = serving.set_instance_status(tx.conn, instance_id, status)
            tx.event(event, **self._deployment_event_defaults(tx.conn, dep, row.status))
            return row

    def set_instance_supervision(self, instance_id: str, changes: dict[str, Any], *, fencing: int,
                                 status: str | None = None, event: EventSpec | None = None) -> InstanceRow:
        """What `shipmate serve` learned of an instance, merged into its row under the service's lock (with a new
        ``status`` in the same write, when given: a restart's critical path counts every fsync)."""
        with self._write() as tx:
            ins = serving.must_get_instance(tx.conn, instance_id)
            dep = deps.must_get_deployment(tx.conn, ins.deployment_id)
            tx.fence(dep.service, dep.environment, fencing)
            row = serving.set_instance_supervision(tx.conn, instance_id, changes)
            if status is not None:
                row = serving.set_instance_status(tx.conn, instance_id, status)
            tx.event(event, **self._deployment_event_defaults(tx.conn, dep, row.status))
            return row
