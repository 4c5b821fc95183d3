"""What `events` returns: the audit log's lines (as the JSONL mirror has them), and the chain's check."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shipmate.ops.results.json_result import OMIT_IF_NONE, JsonResult

if TYPE_CHECKING:
    from shipmate.store.rows import EventRow


@dataclass(frozen=True)
class AuditEvent(JsonResult):
    seq: int
    timestamp: str
    event_type: str
    environment: str
    version: str | None
    status: str
    duration_seconds: float | None
    errors: list[str]
    notes: str
    deployed_by: str
    services: list[str]
    trace_id: str | None
    deployment_id: str | None
    data: dict[str, Any]   # what this event type records
    hash: str
    prev_hash: str

    @classmethod
    def of(cls, row: EventRow) -> AuditEvent:
        return cls(seq=row.seq, timestamp=row.ts, event_type=row.event_type, environment=row.environment,
                   version=row.version, status=row.status, duration_seconds=row.duration_seconds,
                   errors=list(row.errors), notes=row.notes, deployed_by=row.deployed_by, services=[row.service],
                   trace_id=row.trace_id, deployment_id=row.deployment_id, data=dict(row.data), hash=row.hash,
                   prev_hash=row.prev_hash)


@dataclass(frozen=True)
class ChainCheck(JsonResult):
    ok: bool
    first_bad_seq: int | None
    checked: int
    mirror_ok: bool
    mirror: str


@dataclass(frozen=True)
class EventsResult(JsonResult):
    service: str
    events: list[AuditEvent]
    # with --verify
    chain: ChainCheck | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)
    # only in a folder never deployed (no state yet): said so, and nothing was created by asking
    never_deployed: bool | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)
