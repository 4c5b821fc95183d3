"""Putting a stack's members back: the undo of a run (last first, each through its own rollback or down), and
settling a run whose shipmate was killed; both under the stack's lock (one run per stack and environment)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from shipmate.errors import ShipmateError
from shipmate.ops.common.stack_runs import owner
from shipmate.ops.common.workspace import Workspace, actor, resolve_environment

if TYPE_CHECKING:
    from shipmate.engine.context import Progress
    from shipmate.ops.common.identity import Identity
    from shipmate.spec.stack_file import StackSpec
    from shipmate.store.stack_runs import StackRunRow
    from shipmate.store.store import Store

UNDO_FROM = ("running", "done")


@contextmanager
def stack_store_locked(stack: StackSpec, environment: str, progress: Progress | None = None,
                       identity: Identity | None = None) -> Iterator[Store]:
    """The stack's store under its lock (one run per stack and environment; LockHeldError, exit 4, while a live
    shipmate has it); a run a killed shipmate left unfinished is settled first."""
    from shipmate.engine.lease import Lease

    store = Workspace.locate(stack.file).open_store()
    try:
        with Lease(store, f"stack:{stack.name}/{environment}", actor()):
            settle_orphans(store, stack, progress, identity)
            yield store
    finally:
        store.close()


def settle_orphans(store: Store, stack: StackSpec, progress: Progress | None,
                   identity: Identity | None) -> list[str]:
    """Finish every run of this stack whose shipmate died: a deploy is undone (all or nothing); an interrupted
    rollback or down is marked failed (its members say where they are; run it again). Returns the run ids."""
    settled = []
    for run in store.unfinished_stack_runs(stack.name):
        if not run.orphaned:
            continue
        settled.append(run.id)
        store.set_stack_state(run.id, "rolling_back" if run.kind == "deploy" else run.state, actor=actor(),
                              owner=owner())
        if run.kind != "deploy":
            store.set_stack_state(run.id, "failed", actor=actor(),
                                  error=f"interrupted: run `shipmate {run.kind} -f {run.file}` again")
            continue
        problems = undo(store, run, progress, identity)
        store.set_stack_state(run.id, "failed" if problems else "rolled_back", actor=actor(),
                              error="; ".join(["interrupted (shipmate was killed): undone", *problems]))
    return settled


def undo(store: Store, run: StackRunRow, progress: Progress | None, identity: Identity | None) -> list[str]:
    """Put every member this run touched back to the release it had before, last first; the problems met."""
    fresh = store.stack_run(run.id)
    assert fresh is not None
    problems = []
    for row in reversed(fresh.members):
        if row.state not in UNDO_FROM:
            continue
        try:
            put_back(Path(row.spec), fresh.environment, row.previous_release_id, progress, identity)
            store.set_stack_member(run.id, row.position, state="undone")
        except ShipmateError as exc:
            problems.append(f"{row.name}: {exc.message}")
            store.set_stack_member(run.id, row.position, state="undo_failed", error=exc.message)
    return problems


def put_back(spec: Path, environment: str, release_id: str | None, progress: Progress | None,
             identity: Identity | None) -> None:
    """The member runs ``release_id`` again (None: it ran nothing, so it is taken down); no-op if it already does.
    Through the member's own rollback / down: its lock, reconciliation, approval and events apply."""
    from shipmate.ops.recovering import recover
    from shipmate.ops.rolling_back import rollback
    from shipmate.ops.taking_down import down
    from shipmate.spec.service_names import read_service_names

    service, declared = read_service_names(spec)
    env = resolve_environment(declared, environment)
    recover(str(spec))   # a member deploy the kill interrupted ends first (forward or back): then read where it is
    store = Workspace.locate(spec).open_store_readonly()
    if store is None:
        return   # never deployed: nothing to put back
    try:
        cur = store.current(service, env)
    finally:
        store.close()
    if (cur.release_id if cur else None) == release_id:
        return
    if release_id is None:
        down(str(spec), environment=env, identity=identity)
    else:
        rollback(str(spec), environment=env, to_release=release_id, monitor=False, progress=progress,
                 identity=identity)
