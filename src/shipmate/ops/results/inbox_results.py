"""What the inbox operations return: one pass, the folder's status, a submitted task."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shipmate.ops.results.json_result import JsonResult


@dataclass(frozen=True)
class TaskOutcome(JsonResult):
    """One task file handled by a pass. status: completed | failed | rejected | duplicate | waiting | skipped."""

    file: str                        # where it is now, relative to the inbox folder
    status: str
    trace_id: str | None = None
    deployment_id: str | None = None
    approval_id: str | None = None
    duration_s: float | None = None
    message: str = ""


@dataclass(frozen=True)
class InboxPass(JsonResult):
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
class InboxStatus(JsonResult):
    inbox: str
    folders: dict[str, int]
    active: tuple[dict[str, Any], ...]     # each active task with its claim (state, owner alive, approval)
    recent: tuple[dict[str, Any], ...]     # the newest finished tasks' results


@dataclass(frozen=True)
class SubmittedTask(JsonResult):
    file: str
    trace_id: str
    queued: bool = True
