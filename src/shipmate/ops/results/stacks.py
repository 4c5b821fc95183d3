"""What the commands return for a stack (`-f shipmate.stack.yaml`): one run with its members, a plan, a status,
a history. Every one carries `stack` (its name): the key a face uses to tell a stack's result from a service's."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shipmate.ops.results.json_result import OMIT_IF_NONE, JsonResult


@dataclass(frozen=True)
class StackMemberResult(JsonResult):
    """One member of a stack run: what it had before, what this run did to it, and how that ended."""

    name: str                       # its key under services:
    service: str                    # the service its spec names
    state: str                      # pending | running | done | unchanged | failed | undone | undo_failed
    previous_version: str | None    # what it ran before this run (None: nothing)
    version: str | None             # what this run put there
    deployment_id: str | None       # in the member's own home (`shipmate explain ID -f its spec`)
    error: str | None


@dataclass(frozen=True)
class StackRunResult(JsonResult):
    """A stack's deploy, rollback or down: all or nothing, members in the order they were worked on."""

    stack: str
    environment: str
    stack_run_id: str
    kind: str                       # deploy | rollback | down
    state: str                      # succeeded | rolled_back | failed (and running while it runs)
    order: list[str]
    members: list[StackMemberResult]
    started_at: float
    finished_at: float | None
    duration_s: float | None
    error: str | None
    noop: bool | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)


@dataclass(frozen=True)
class StackPlan(JsonResult):
    """deploy / rollback / down --dry-run of a stack: the order, and each member's own dry run."""

    dry_run: bool
    stack: str
    environment: str
    kind: str
    order: list[str]
    members: list[dict[str, Any]]   # {name, spec, depends_on, plan: the member's own --dry-run object}


@dataclass(frozen=True)
class StackStatus(JsonResult):
    """Each member's own status (as `status -f its spec` prints it), and the stack's last run."""

    stack: str
    environment: str
    order: list[str]
    members: list[dict[str, Any]]   # {name, spec, depends_on, status}
    last_run: StackRunResult | None
    # true when a stack run was interrupted and just settled by this command (see last_run)
    recovered: bool | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)


@dataclass(frozen=True)
class StackHistory(JsonResult):
    stack: str
    runs: list[StackRunResult]      # newest first
