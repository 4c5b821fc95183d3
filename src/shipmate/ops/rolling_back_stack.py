"""rollback of a stack: every member back to the release it ran before the stack's last deployment, in reverse
dependency order (dependants first), each through its own rollback (or down, if it ran nothing before)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from shipmate.errors import NotFoundError, RollbackFailedError, ShipmateError
from shipmate.ops import undoing_stack
from shipmate.ops.common import stack_runs
from shipmate.ops.common.workspace import Workspace, actor
from shipmate.ops.results.stacks import StackPlan, StackRunResult

if TYPE_CHECKING:
    from shipmate.engine.context import Progress
    from shipmate.ops.common.identity import Identity
    from shipmate.store.stack_runs import StackRunRow
    from shipmate.store.store import Store


def rollback_stack(stack_file: Path, *, environment: str | None = None, dry_run: bool = False,
                   progress: Progress | None = None, identity: Identity | None = None,
                   wait_approval: bool = True) -> StackRunResult | StackPlan:
    from shipmate.spec.stack_file import load_stack

    stack = load_stack(stack_file)
    env = stack_runs.stack_environment(stack, environment)
    members = list(reversed(stack.members))
    if dry_run:
        readonly = Workspace.locate(stack.file).open_store_readonly()
        last = _last_deploy(readonly, stack.name, env) if readonly is not None else None
        if readonly is not None:
            readonly.close()
        targets = {row.name: row for row in last.members} if last else {}
        shown = []
        for member in members:
            row, current = targets.get(member.name), stack_runs.member_now(member, environment)
            goes_back = row is not None and row.state == "done" and row.previous_release_id != current.release_id
            shown.append({"name": member.name, "spec": str(member.spec), "depends_on": list(member.depends_on),
                          "plan": {"action": ("rollback" if row and row.previous_release_id else "down")
                                   if goes_back else "none",
                                   "from": current.version, "to": row.previous_version if goes_back and row else None}})
        return StackPlan(dry_run=True, stack=stack.name, environment=env, kind="rollback",
                         order=[m.name for m in members], members=shown)
    with undoing_stack.stack_store_locked(stack, env, progress, identity) as store:
        last = _last_deploy(store, stack.name, env)
        if last is None:
            raise NotFoundError(f"stack {stack.name} has no deployment in {env} to roll back",
                                hint=f"`shipmate history -f {stack.file.name}` lists its runs")
        targets = {row.name: row for row in last.members}
        now = {m.name: stack_runs.member_now(m, environment) for m in members}
        run = store.create_stack_run(stack=stack.name, environment=env, kind="rollback", file=str(stack.file),
                                     owner=stack_runs.owner(), actor=actor(),
                                     members=[(m.name, now[m.name].service, str(m.spec)) for m in members])
        for position, member in enumerate(members):
            row, before = targets.get(member.name), now[member.name]
            if row is None or row.state != "done" or row.previous_release_id == before.release_id:
                store.set_stack_member(run.id, position, state="unchanged", previous_release_id=before.release_id,
                                       previous_version=before.version, version=before.version)
                continue
            store.set_stack_member(run.id, position, state="running", previous_release_id=before.release_id,
                                   previous_version=before.version)
            try:
                undoing_stack.put_back(member.spec, env, row.previous_release_id, progress, identity)
            except ShipmateError as exc:
                store.set_stack_member(run.id, position, state="failed", error=exc.message)
                failed = store.set_stack_state(run.id, "failed", actor=actor(), error=f"{member.name}: {exc.message}")
                raise RollbackFailedError(f"stack {stack.name}: rolling back {member.name} failed: {exc.message}",
                                          hint=exc.hint or "see `shipmate status -f STACK`",
                                          details={"stack_run": stack_runs.run_result(failed).to_json()}) from exc
            store.set_stack_member(run.id, position, state="done", version=row.previous_version)
        return stack_runs.run_result(store.set_stack_state(run.id, "succeeded", actor=actor()))


def _last_deploy(store: Store, stack: str, env: str) -> StackRunRow | None:
    """The stack's last deploy that changed something and succeeded."""
    for run in store.stack_runs(stack, env, kind="deploy", limit=200):
        if run.state == "succeeded" and any(m.state == "done" for m in run.members):
            return run
    return None
