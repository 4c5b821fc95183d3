"""Rows of the failure memory (migration 7) as plain frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shipmate.store.rows import _AsDict

if TYPE_CHECKING:
    from sqlalchemy import RowMapping


@dataclass(frozen=True)
class SignatureRow(_AsDict):
    id: str
    signature_version: int
    phase: str
    target_kind: str
    error_code: str
    exit_code: int | None
    text: str
    merged_into: str | None
    first_seen: float
    last_seen: float

    @classmethod
    def of(cls, m: RowMapping) -> SignatureRow:
        return cls(**dict(m))


@dataclass(frozen=True)
class FailureRow(_AsDict):
    id: str
    signature_id: str
    service: str
    environment: str
    deployment_id: str | None
    kind: str
    message: str
    shown_fix_ids: list[str]
    settled: str | None
    created_at: float

    @classmethod
    def of(cls, m: RowMapping) -> FailureRow:
        values = dict(m)
        values["shown_fix_ids"] = list(values["shown_fix_ids"] or [])
        return cls(**values)


@dataclass(frozen=True)
class FixRow(_AsDict):
    id: str
    content_key: str
    signature_id: str | None
    symptom: str
    root_cause: str
    solution: str
    prevention: str
    source: str
    from_deployment_id: str | None
    created_by: str
    created_at: float

    @classmethod
    def of(cls, m: RowMapping) -> FixRow:
        return cls(**dict(m))


@dataclass(frozen=True)
class FixCount:
    worked: int
    tried: int

    def as_dict(self) -> dict[str, Any]:
        return {"worked": self.worked, "tried": self.tried}


@dataclass(frozen=True)
class MemoryStats(_AsDict):
    failures: int
    signatures: int          # distinct groups (a merged signature counts with the one it was merged into)
    matched: int             # failures that were offered at least one known fix
    hit_rate: float | None   # matched / failures
    fixes: int
    worked: int
    tried: int
