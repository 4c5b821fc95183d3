"""recover of a stack: every member's interrupted deployments first, then any stack run a killed shipmate left
unfinished (a deploy is undone: all or nothing). Each is reported like a deployment recover reports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shipmate.engine.lease import Lease
from shipmate.errors import RollbackFailedError
from shipmate.ops import undoing_stack
from shipmate.ops.common import stack_runs
from shipmate.ops.common.workspace import Workspace, actor
from shipmate.ops.results.instances import RecoverResult


def recover_stack(stack_file: Path) -> RecoverResult:
    from shipmate.ops.recovering import recover
    from shipmate.spec.stack_file import load_stack

    stack = load_stack(stack_file)
    report: list[dict[str, Any]] = []
    for member in stack.members:
        report += [{**item, "member": member.name} for item in recover(str(member.spec)).recovered]
    env = stack_runs.stack_environment(stack, None)
    existing = Workspace.locate(stack.file).open_store_readonly()
    if existing is None:   # the stack never ran from here: nothing of its own to settle
        return RecoverResult(report)
    existing.close()
    store = Workspace.locate(stack.file).open_store()
    try:
        with Lease(store, f"stack:{stack.name}/{env}", actor()):
            for run_id in undoing_stack.settle_orphans(store, stack, None, None):
                run = store.stack_run(run_id)
                assert run is not None
                outcome = "rolled_back" if run.state == "rolled_back" else f"failed: {run.error}"
                report.append({"stack_run_id": run.id, "stack": run.stack, "kind": run.kind, "outcome": outcome,
                               "members": {m.name: m.state for m in run.members}})
    finally:
        store.close()
    failed = [r for r in report if str(r.get("outcome", "")).startswith("failed")]
    if failed:
        raise RollbackFailedError(f"{len(failed)} interrupted run(s) of stack {stack.name} could not be put back: "
                                  + "; ".join(str(r["outcome"]) for r in failed),
                                  hint="see `shipmate status -f STACK`; fix, then deploy or roll back the stack",
                                  details={"recovered": report})
    return RecoverResult(report)
