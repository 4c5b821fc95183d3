"""Deployments and events across every registered home, one page at a time, filterable; a deployment found
by id or trace id; a deployment's events after a seq (what serve's live stream sends next).

Pages are keyset pages (after the last row's key), so a page never shifts when new rows arrive; the face
wraps the key in a signed cursor. Rows carry their home id and their actor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipmate.errors import InvalidInputError, NotFoundError
from shipmate.ops.reading_host import registered_services
from shipmate.ops.results.audit import AuditEvent
from shipmate.ops.results.overview import (
    DeploymentEvents,
    DeploymentsPage,
    EventsPage,
    HostDeployment,
    HostEvent,
    ServiceRef,
)

if TYPE_CHECKING:
    from shipmate.store.paged_reads import Filters, PagedReader

MAX_LIMIT = 200


def list_filters(*, service: str | None = None, environment: str | None = None, state: str | None = None,
            actor: str | None = None, since: float | None = None) -> Filters:
    """What a list keeps (every given one must match)."""
    from shipmate.store.paged_reads import Filters

    return Filters(service, environment, state, actor, since)


def _homes(filters: Filters, home_id: str | None) -> list[ServiceRef]:
    return [r for r in registered_services().services
            if (home_id is None or r.home_id == home_id) and (filters.service is None or r.service == filters.service)]


def _open(ref: ServiceRef) -> PagedReader | None:
    from pathlib import Path

    from shipmate.store.paged_reads import PagedReader

    return PagedReader.open(Path(ref.home))


def _limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInputError(f"limit {limit}: 1 to {MAX_LIMIT}", hint="page with the cursor instead")
    return limit


def deployments_page(filters: Filters, *, home_id: str | None = None, before: tuple[float, str] | None = None,
                     limit: int = 50) -> DeploymentsPage:
    """Newest first across the homes; ``before``: the (started_at, deployment_id) the last page ended at."""
    limit = _limit(limit)
    found: list[HostDeployment] = []
    for ref in _homes(filters, home_id):
        reader = _open(ref)
        if reader is None:
            continue
        try:
            for dep in reader.deployments_page(filters, before=before, limit=limit + 1):
                release = reader.get_release(dep.release_id)
                found.append(HostDeployment(ref.home_id, dep.service, dep.environment, dep.id, dep.trace_id,
                                            release.version if release else None, dep.kind, dep.strategy,
                                            str(dep.state), bool(dep.verified), dep.actor, dep.started_at,
                                            dep.finished_at, dep.error))
        finally:
            reader.close()
    found.sort(key=lambda d: (d.started_at, d.deployment_id), reverse=True)
    return DeploymentsPage(found[:limit], len(found) > limit)


def events_page(filters: Filters, *, home_id: str | None = None, before: tuple[float, str] | None = None,
                limit: int = 50, deployment_id: str | None = None) -> EventsPage:
    """Newest first across the homes; ``before``: the (seq, home_id) the last page ended at (seqs are per home:
    one home's events before that seq, every other home's before that seq too, so paging stays monotonic)."""
    limit = _limit(limit)
    found: list[tuple[int, str, HostEvent]] = []
    for ref in _homes(filters, home_id):
        reader = _open(ref)
        if reader is None:
            continue
        try:
            cut = None
            if before is not None:
                cut = int(before[0]) + (1 if ref.home_id < before[1] else 0)
            for row in reader.events_page(filters, before=cut, limit=limit + 1, deployment_id=deployment_id):
                found.append((row.seq, ref.home_id, HostEvent(ref.home_id, row.deployed_by, AuditEvent.of(row))))
        finally:
            reader.close()
    found.sort(key=lambda t: (t[0], t[1]), reverse=True)
    return EventsPage([e for _, _, e in found[:limit]], len(found) > limit)


def find_deployment(deployment_id: str, home_id: str | None = None) -> ServiceRef:
    """The registered home whose store has this deployment; 404 when none has."""
    for ref in registered_services().services:
        if home_id is not None and ref.home_id != home_id:
            continue
        reader = _open(ref)
        if reader is None:
            continue
        try:
            if reader.deployment(deployment_id) is not None:
                return ref
        finally:
            reader.close()
    raise NotFoundError(f"no deployment {deployment_id[:40]!r} in any registered home",
                        hint="GET /api/v1/deployments lists them")


def deployment_of_trace(ref: ServiceRef, trace_id: str) -> str | None:
    """The id of the deployment a call with this trace id started, once its row exists."""
    reader = _open(ref)
    if reader is None:
        return None
    try:
        row = reader.deployment_by_trace(trace_id)
        return row.id if row else None
    finally:
        reader.close()


def deployment_events(ref: ServiceRef, deployment_id: str, *, after: int = 0, limit: int = 200
                      ) -> DeploymentEvents:
    from shipmate.model import TERMINAL_STATES

    reader = _open(ref)
    if reader is None:
        raise NotFoundError(f"no deployment {deployment_id[:40]!r}", hint="GET /api/v1/deployments lists them")
    try:
        rows = reader.events_after(deployment_id, after, _limit(limit))
        dep = reader.deployment(deployment_id)
    finally:
        reader.close()
    if dep is None:
        raise NotFoundError(f"no deployment {deployment_id[:40]!r}", hint="GET /api/v1/deployments lists them")
    return DeploymentEvents(deployment_id, str(dep.state), dep.state in TERMINAL_STATES,
                            [AuditEvent.of(r) for r in rows])
