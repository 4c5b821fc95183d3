"""Read-only questions to the store, in plain BEGIN transactions (snapshots that never block writers)."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from shipmate.store import confidence_rows, serving
from shipmate.store import deployments as deps
from shipmate.store.rows import CurrentRow, DeploymentRow, InstanceRow, ReleaseRow, StepRow

if TYPE_CHECKING:
    from shipmate.store.db import Database


class StoreQueries:
    """Mixed into Store; also what a read-only store (--dry-run, status) is limited to in practice."""

    _db: Database

    @abstractmethod
    def _read(self) -> AbstractContextManager[Connection]: ...

    def snapshot(self) -> AbstractContextManager[None]:
        """The reads of this thread inside it in one transaction: one consistent view (db.py)."""
        return self._db.snapshot()

    def get_release(self, release_id: str) -> ReleaseRow | None:
        with self._read() as conn:
            return deps.get_release(conn, release_id)

    def releases_by_id(self, release_ids: Iterable[str]) -> dict[str, ReleaseRow]:
        """Several releases in one statement (a list's releases, not one read each); absent ids left out."""
        ids = sorted(set(release_ids))
        if not ids:
            return {}
        with self._read() as conn:
            return deps.releases_by_id(conn, ids)

    def releases(self, service: str, limit: int = 50) -> list[ReleaseRow]:
        """Newest first."""
        with self._read() as conn:
            return deps.releases(conn, service, limit)

    def get_deployment(self, deployment_id: str) -> DeploymentRow | None:
        with self._read() as conn:
            return deps.get_deployment(conn, deployment_id)

    def deployments(self, service: str, environment: str, limit: int = 20) -> list[DeploymentRow]:
        """Newest first."""
        with self._read() as conn:
            return deps.deployments(conn, service, environment, limit)

    def deployments_of_version(self, service: str, version: str, limit: int = 200) -> list[DeploymentRow]:
        """Every environment's deployments of this version, newest first (confidence inputs)."""
        with self._read() as conn:
            return confidence_rows.deployments_of_version(conn, service, version, limit)

    def active_deployments(self) -> list[DeploymentRow]:
        """Every deployment not in a terminal state, any service: what recovery must look at."""
        with self._read() as conn:
            return deps.active_deployments(conn)

    def last_verified_release(self, service: str, environment: str, *,
                              exclude_release_id: str | None = None) -> ReleaseRow | None:
        with self._read() as conn:
            return deps.last_verified_release(conn, service, environment, exclude_release_id)

    def steps(self, deployment_id: str) -> list[StepRow]:
        with self._read() as conn:
            return deps.steps(conn, deployment_id)

    def current(self, service: str, environment: str) -> CurrentRow | None:
        with self._read() as conn:
            return serving.current(conn, service, environment)

    def all_current(self) -> list[CurrentRow]:
        with self._read() as conn:
            return serving.all_current(conn)

    def serving_stamp(self) -> tuple[Any, ...]:
        """Changes whenever a current pointer, an instance or a lock holder does (serving.stamp)."""
        with self._read() as conn:
            return serving.stamp(conn)

    def get_instance(self, instance_id: str) -> InstanceRow | None:
        with self._read() as conn:
            return serving.get_instance(conn, instance_id)

    def instances(self, service: str | None = None, environment: str | None = None, *,
                  live_only: bool = False) -> list[InstanceRow]:
        with self._read() as conn:
            return serving.instances(conn, service, environment, live_only=live_only)
