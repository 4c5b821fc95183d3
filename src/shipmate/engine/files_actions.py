"""The files target's steps as engine actions, so crash recovery can finish a `switch` killed mid-way.

Recovery never finishes a switch forward (its files were not all checked), it rolls back: ``restore_files``
puts the previous release's kept set back, or removes ours when there was none. The forward step runs in
ops/switching_files.py (it needs no instances, router or probes); here it only records that it cannot resume.
"""

from __future__ import annotations

from typing import Any

from shipmate.engine.actions import Action, Outcome
from shipmate.engine.context import DeployContext
from shipmate.errors import TargetError


def switch_files(ctx: DeployContext, args: dict[str, Any]) -> Outcome:
    raise TargetError("a files switch is never resumed forward", hint="deploy again: unchanged files are skipped")


def restore_files(ctx: DeployContext, args: dict[str, Any]) -> Outcome:
    from shipmate.targets.files import FilesTarget

    target = FilesTarget()
    previous = ctx.previous.config if ctx.previous is not None else None
    plan = target.restore(ctx.rt.home, ctx.config, previous)
    store = ctx.rt.store
    cur = store.current(ctx.service, ctx.environment)
    if previous is None and cur is not None and cur.deployment_id == ctx.deployment.id:
        store.clear_current(ctx.service, ctx.environment, fencing=ctx.fencing)
    return Outcome(True, {"restored": previous.version if previous is not None else None,
                          "written": len(plan.names("deploy", "update", "migrate")),
                          "removed": len(plan.names("remove"))})


ACTIONS: dict[str, Action] = {"switch_files": switch_files, "restore_files": restore_files}
