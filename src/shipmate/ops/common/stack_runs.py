"""What the stack operations share: each member's current release, the environment a run is recorded under, who
runs it, and a run as a result.

A stack's home is the stack file's (`.shipmate/` beside it): it holds the stack runs; each member's deployments
stay in the member's own home, written by the member's own deploy / rollback / down.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shipmate.ops.common.workspace import Workspace, actor, resolve_environment
from shipmate.ops.results.stacks import StackMemberResult, StackRunResult

if TYPE_CHECKING:
    from shipmate.spec.stack_file import StackMember, StackSpec
    from shipmate.store.stack_runs import StackRunRow

@dataclass(frozen=True)
class MemberNow:
    """A member's service name, its environment, and the release current there now (None: nothing runs)."""

    service: str
    environment: str
    release_id: str | None
    version: str | None


def member_now(member: StackMember, environment: str | None) -> MemberNow:
    from shipmate.spec.service_names import read_service_names

    service, declared = read_service_names(member.spec)
    env = resolve_environment(declared, environment)
    store = Workspace.locate(member.spec).open_store_readonly()
    if store is None:
        return MemberNow(service, env, None, None)
    try:
        cur = store.current(service, env)
        rel = store.get_release(cur.release_id) if cur is not None else None
        return MemberNow(service, env, cur.release_id if cur else None, rel.version if rel else None)
    finally:
        store.close()


def stack_environment(stack: StackSpec, environment: str | None) -> str:
    """The environment a stack run is recorded under: -e, else the first member's default."""
    if environment is not None:
        return environment
    from shipmate.spec.service_names import read_service_names

    return resolve_environment(read_service_names(stack.members[0].spec)[1], None)


def owner() -> dict[str, object]:
    from shipmate.store.owners import this_process_owner

    return this_process_owner(" ".join(["shipmate", *sys.argv[1:]])[:200], actor())


def run_result(run: StackRunRow, *, noop: bool | None = None) -> StackRunResult:
    members = [StackMemberResult(name=m.name, service=m.service, state=m.state, previous_version=m.previous_version,
                                 version=m.version, deployment_id=m.deployment_id, error=m.error)
               for m in run.members]
    done = run.finished_at
    return StackRunResult(stack=run.stack, environment=run.environment, stack_run_id=run.id, kind=run.kind,
                          state=run.state, order=[m.name for m in run.members], members=members,
                          started_at=run.started_at, finished_at=done,
                          duration_s=round(done - run.started_at, 3) if done else None, error=run.error, noop=noop)
