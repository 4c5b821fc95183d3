"""down of a stack: every member stopped, dependants first (reverse dependency order), each through its own down."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipmate.errors import NotFoundError, ShipmateError
from shipmate.ops import undoing_stack
from shipmate.ops.common import stack_runs
from shipmate.ops.common.workspace import actor
from shipmate.ops.results.stacks import StackPlan, StackRunResult

if TYPE_CHECKING:
    from shipmate.ops.common.identity import Identity


def down_stack(stack_file: Path, *, environment: str | None = None, dry_run: bool = False,
               identity: Identity | None = None, wait_approval: bool = True) -> StackRunResult | StackPlan:
    from shipmate.ops.taking_down import down
    from shipmate.spec.stack_file import load_stack

    stack = load_stack(stack_file)
    env = stack_runs.stack_environment(stack, environment)
    members = list(reversed(stack.members))
    if dry_run:
        shown: list[dict[str, Any]] = []
        for member in members:
            try:
                plan: dict[str, Any] = down(str(member.spec), environment=environment, dry_run=True).to_json()
            except NotFoundError as exc:
                plan = {"noop": True, "message": exc.message}
            shown.append({"name": member.name, "spec": str(member.spec), "plan": plan})
        return StackPlan(dry_run=True, stack=stack.name, environment=env, kind="down",
                         order=[m.name for m in members], members=shown)
    with undoing_stack.stack_store_locked(stack, env, None, identity) as store:
        now = {m.name: stack_runs.member_now(m, environment) for m in members}
        run = store.create_stack_run(stack=stack.name, environment=env, kind="down", file=str(stack.file),
                                     owner=stack_runs.owner(), actor=actor(),
                                     members=[(m.name, now[m.name].service, str(m.spec)) for m in members])
        for position, member in enumerate(members):
            before = now[member.name]
            store.set_stack_member(run.id, position, state="running", previous_release_id=before.release_id,
                                   previous_version=before.version)
            if before.release_id is None:
                store.set_stack_member(run.id, position, state="unchanged")
                continue
            try:
                down(str(member.spec), environment=environment, identity=identity, wait_approval=wait_approval)
            except ShipmateError as exc:
                store.set_stack_member(run.id, position, state="failed", error=exc.message)
                store.set_stack_state(run.id, "failed", actor=actor(), error=f"{member.name}: {exc.message}")
                raise
            store.set_stack_member(run.id, position, state="done", version=None)
        return stack_runs.run_result(store.set_stack_state(run.id, "succeeded", actor=actor()))
