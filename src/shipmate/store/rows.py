"""Frozen row types handed out by the store; callers never see SQLAlchemy objects."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

from shipmate.model import DeploymentState

if TYPE_CHECKING:  # keep `import shipmate.store.rows` free of SQLAlchemy (CLI start-up time)
    from sqlalchemy import RowMapping

LIVE_INSTANCE_STATUSES = frozenset({"starting", "running", "draining"})


class _AsDict:
    """Plain JSON-ready dict of a row (enums as their values), for --json output."""

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = asdict(self)  # type: ignore[call-overload]
        return {k: v.value if isinstance(v, Enum) else v for k, v in out.items()}


@dataclass(frozen=True)
class ReleaseRow(_AsDict):
    id: str
    service: str
    version: str
    digest: str
    spec: dict[str, Any]
    target_kind: str
    created_at: float
    facts: dict[str, Any] = field(default_factory=dict)   # e.g. {"mcp_schema_hash": ..., "mcp_tools": [...]}

    @classmethod
    def of(cls, m: RowMapping) -> ReleaseRow:
        return cls(id=m["id"], service=m["service"], version=m["version"], digest=m["digest"],
                   spec=dict(m["spec"]), target_kind=m["target_kind"], created_at=m["created_at"],
                   facts=dict(m.get("facts") or {}))


@dataclass(frozen=True)
class DeploymentRow(_AsDict):
    id: str
    service: str
    environment: str
    release_id: str
    previous_release_id: str | None
    kind: str
    strategy: str
    state: DeploymentState
    plan: dict[str, Any]
    trace_id: str
    actor: str
    fencing: int
    started_at: float
    updated_at: float
    finished_at: float | None
    error: str | None
    verdict: dict[str, Any] | None
    verified: bool | None
    confidence: dict[str, Any] | None = None   # migration 4: {"score", "factors", "weights"}; None before it
    origin: dict[str, Any] | None = None   # migration 6: {"promoted_from": {...}}

    @classmethod
    def of(cls, m: RowMapping) -> DeploymentRow:
        values = dict(m)
        values["state"] = DeploymentState(values["state"])
        values["verified"] = None if values["verified"] is None else bool(values["verified"])
        return cls(**values)


@dataclass(frozen=True)
class StepRow(_AsDict):
    id: str
    deployment_id: str
    index: int
    name: str
    status: str
    intent: dict[str, Any]
    result: dict[str, Any] | None
    started_at: float
    finished_at: float | None

    @classmethod
    def of(cls, m: RowMapping) -> StepRow:
        values = dict(m)
        values["index"] = values.pop("idx")
        return cls(**values)


@dataclass(frozen=True)
class CurrentRow(_AsDict):
    service: str
    environment: str
    release_id: str
    deployment_id: str
    instance_id: str | None
    updated_at: float

    @classmethod
    def of(cls, m: RowMapping) -> CurrentRow:
        return cls(**dict(m))


@dataclass(frozen=True)
class InstanceRow(_AsDict):
    id: str
    service: str
    environment: str
    release_id: str
    deployment_id: str
    target_kind: str
    pid: int | None
    create_time: float | None
    port: int | None
    log_path: str | None
    status: str
    created_at: float
    updated_at: float
    handle: dict[str, Any] = field(default_factory=dict)   # {} for rows written before migration 2
    # What `shipmate serve` recorded: {"restarts": n, "last_exit": {...}, "in_rotation": bool}; {} if never
    supervision: dict[str, Any] = field(default_factory=dict)

    @property
    def live(self) -> bool:
        return self.status in LIVE_INSTANCE_STATUSES

    @property
    def instance_id(self) -> str:
        return self.id

    @property
    def host(self) -> str:
        """Where ``port`` is reached: 127.0.0.1 unless the target put another node's address in the handle."""
        return str(self.handle.get("host") or "127.0.0.1")

    @classmethod
    def of(cls, m: RowMapping) -> InstanceRow:
        values = dict(m)
        values["handle"] = dict(values.get("handle") or {})
        values["supervision"] = dict(values.get("supervision") or {})
        return cls(**values)


@dataclass(frozen=True)
class EventRow(_AsDict):
    seq: int
    ts: str
    event_type: str
    service: str
    environment: str
    version: str | None
    status: str
    deployment_id: str | None
    trace_id: str | None
    duration_seconds: float | None
    errors: list[str]
    notes: str
    deployed_by: str
    data: dict[str, Any]
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, m: RowMapping) -> EventRow:
        values = dict(m)
        values["errors"] = list(values["errors"])
        values["data"] = dict(values["data"])
        return cls(**values)

    def mirror_line(self) -> dict[str, Any]:
        """The JSONL audit line: the seed's field names plus trace/deployment ids and the chain."""
        return {"seq": self.seq, "timestamp": self.ts, "event_type": self.event_type,
                "environment": self.environment, "version": self.version, "status": self.status,
                "duration_seconds": self.duration_seconds, "errors": self.errors, "notes": self.notes,
                "deployed_by": self.deployed_by, "services": [self.service],
                "trace_id": self.trace_id, "deployment_id": self.deployment_id, "data": self.data,
                "hash": self.hash, "prev_hash": self.prev_hash}


@dataclass(frozen=True)
class LockRow(_AsDict):
    key: str
    fencing: int
    owner: dict[str, Any]
    acquired_at: float
    heartbeat_at: float
    lease_until: float
    released_at: float | None
    # Computed when read, not stored: is the lock in force, is the owner process alive (None when
    # it runs on another host and we cannot tell), is it alive but silent for over 3 leases, and
    # if not held, why (released | died | stalled | lease_expired).
    held: bool = False
    owner_alive: bool | None = field(default=None)
    stalled: bool = False
    free_because: str | None = None
    # Set on the row acquire() returns when it took the lock over from an unreleased holder.
    took_over: str | None = None

    @classmethod
    def of(cls, m: RowMapping, *, held: bool = False, owner_alive: bool | None = None) -> LockRow:
        return cls(**dict(m), held=held, owner_alive=owner_alive)
