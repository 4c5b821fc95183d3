"""What the inbox operations return: one pass, the folder's status, a submitted task."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TaskOutcome:
    """One task file handled by a pass. status: completed | failed | rejected | duplicate | waiting."""

    file: str                        # where it is now, relative to the inbox folder
    status: str
    trace_id: str | None = None
    deployment_id: str | None = None
    approval_id: str | None = None
    duration_s: float | None = None
    message: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "status": self.status, "trace_id": self.trace_id,
                "deployment_id": self.deployment_id, "approval_id": self.approval_id,
                "duration_s": self.duration_s, "message": self.message}


@dataclass(frozen=True)
class InboxPass:
    inbox: str
    outcomes: tuple[TaskOutcome, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)   # files per folder after the pass

    def to_json(self) -> dict[str, Any]:
        by_status: dict[str, int] = {}
        for outcome in self.outcomes:
            by_status[outcome.status] = by_status.get(outcome.status, 0) + 1
        return {"inbox": self.inbox, "handled": len(self.outcomes), "by_status": by_status,
                "tasks": [o.to_json() for o in self.outcomes], "folders": dict(self.counts)}


@dataclass(frozen=True)
class InboxStatus:
    inbox: str
    counts: dict[str, int]
    active: tuple[dict[str, Any], ...]     # each active task with its claim (state, owner alive, approval)
    recent: tuple[dict[str, Any], ...]     # the newest finished tasks' results

    def to_json(self) -> dict[str, Any]:
        return {"inbox": self.inbox, "folders": dict(self.counts), "active": list(self.active),
                "recent": list(self.recent)}


@dataclass(frozen=True)
class SubmittedTask:
    file: str
    trace_id: str

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "trace_id": self.trace_id, "queued": True}
