"""status and history of a stack: each member's own status beside the stack's runs (read from the store).

A run a killed shipmate left unfinished is settled first (undone), so what is shown is true; a run in progress
(its shipmate alive) is shown as running."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from shipmate.ops import undoing_stack
from shipmate.ops.common import stack_runs
from shipmate.ops.common.workspace import Workspace
from shipmate.ops.results.stacks import StackHistory, StackStatus

if TYPE_CHECKING:
    from shipmate.spec.stack_file import StackSpec
    from shipmate.store.store import Store


def stack_status(stack_file: Path, *, environment: str | None = None) -> StackStatus:
    from shipmate.ops.reading_status import status
    from shipmate.spec.stack_file import load_stack

    stack = load_stack(stack_file)
    env = stack_runs.stack_environment(stack, environment)
    recovered = _settle_if_orphaned(stack, env)
    members = [{"name": m.name, "spec": str(m.spec), "depends_on": list(m.depends_on),
                "status": status(str(m.spec), environment=environment).to_json()} for m in stack.members]
    store = _readonly(stack)
    last = None
    if store is not None:
        try:
            runs = store.stack_runs(stack.name, env, limit=1)
            last = stack_runs.run_result(runs[0]) if runs else None
        finally:
            store.close()
    return StackStatus(stack=stack.name, environment=env, order=stack.order, members=members, last_run=last,
                       recovered=True if recovered else None)


def stack_history(stack_file: Path, *, environment: str | None = None, limit: int = 20) -> StackHistory:
    from shipmate.spec.stack_file import load_stack

    stack = load_stack(stack_file)
    env = stack_runs.stack_environment(stack, environment) if environment is not None else None
    _settle_if_orphaned(stack, env or stack_runs.stack_environment(stack, None))
    store = _readonly(stack)
    if store is None:
        return StackHistory(stack=stack.name, runs=[])
    try:
        return StackHistory(stack=stack.name, runs=[stack_runs.run_result(r)
                                                    for r in store.stack_runs(stack.name, env, limit=limit)])
    finally:
        store.close()


def _readonly(stack: StackSpec) -> Store | None:
    return Workspace.locate(stack.file).open_store_readonly()


def _settle_if_orphaned(stack: StackSpec, env: str) -> bool:
    """Only when a killed shipmate left a run: then under the stack's lock, like any run."""
    store = _readonly(stack)
    if store is None:
        return False
    try:
        orphaned = any(run.orphaned for run in store.unfinished_stack_runs(stack.name))
    finally:
        store.close()
    if orphaned:
        with undoing_stack.stack_store_locked(stack, env):
            pass
    return orphaned
