"""A release run wrapped in its hooks and notifications: pre hook, started, run, post hook or on_failure.

A failing pre hook raises HookFailedError before anything is written; everything after the run only adds
warnings to the result (or to the error's details), it never changes the deployment's outcome.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipmate.errors import DeploymentFailedError, HookFailedError, RollbackFailedError, ShipmateError
from shipmate.hooks.invocation import HookContext, HookOutcome, hook_env, invocations
from shipmate.ops.common.announcing import announce
from shipmate.ops.common.conduct import Conduct
from shipmate.release_config import ReleaseConfig

if TYPE_CHECKING:
    pass


def would_do(home: Path, conduct: Conduct, config: ReleaseConfig, kind: str, *, must_pass_in: str | None = None,
             passed_in: str | None = None) -> dict[str, Any]:
    """For --dry-run: the hooks that would run, the events that would be sent, the score it would get."""
    from shipmate.analysis.confidence import ConfidenceInputs, score
    from shipmate.ops.gates.confidence import assess_current
    from shipmate.store.store import Store

    hooks = {name: [list(cmd.run) for cmd in conduct.hooks.of(name)]
             for name in (f"pre_{kind}", f"post_{kind}", "on_failure") if conduct.hooks.of(name)}
    notify = conduct.notify
    events = [e for e in (notify.events if notify else ()) if e.startswith((f"{kind}.", "deploy.failed"))]
    confidence: dict[str, Any] | None = None
    try:
        store = Store.open_readonly(home)
        if store is not None:
            with store:
                confidence = assess_current(store, config, conduct.weights, must_pass_in=must_pass_in,
                                            passed_in=passed_in)
        else:   # nothing recorded here yet
            confidence = score(ConfidenceInputs(first_deploy=True), conduct.weights).as_dict()
    except ShipmateError:
        confidence = None
    return {"hooks": hooks, "notify": {"urls": len(notify.urls) if notify else 0, "events": events},
            "confidence": confidence}


def run_hooks(conduct: Conduct, hook: str, context: HookContext) -> list[HookOutcome]:
    from shipmate.hooks.runner import run_all

    commands = tuple((cmd.run, float(cmd.timeout)) for cmd in conduct.hooks.of(hook))
    if not commands:
        return []
    env = hook_env(os.environ, context, conduct.secret_names)
    return run_all(invocations(hook, commands, conduct.project_dir, env), stop_on_failure=hook.startswith("pre_"))


def check_pre_hook(conduct: Conduct, kind: str, config: ReleaseConfig, actor: str) -> None:
    """Run pre_deploy/pre_rollback; HookFailedError (exit 7) when one fails: nothing has been changed."""
    hook = f"pre_{kind}"
    context = HookContext(config.service, config.version, config.environment, actor)
    failed = [o for o in run_hooks(conduct, hook, context) if not o.ok]
    if failed:
        first = failed[0]
        raise HookFailedError(f"{hook} hook {' '.join(first.argv)[:120]} failed ({first.problem}); nothing was changed",
                              hint=f"fix it or remove it from hooks.{hook} in shipmate.yaml, then run again",
                              details={"hook": first.as_dict()})


def around_release(home: Path, conduct: Conduct, config: ReleaseConfig, kind: str, actor: str,
                   run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Announce, run, then post hooks (success) or on_failure (DeploymentFailedError/RollbackFailedError, re-raised)."""
    fields: dict[str, Any] = {"service": config.service, "environment": config.environment,
                              "version": config.version, "kind": kind, "actor": actor}
    warnings = announce(home, conduct.notify, f"{kind}.started", fields)
    started = time.monotonic()
    try:
        result = run()
    except (DeploymentFailedError, RollbackFailedError) as exc:
        # The known fixes first, as everywhere a failure is shown (the release run put them in the details).
        done = {**({"known_fixes": exc.details["known_fixes"]} if exc.details.get("known_fixes") else {}),
                **fields, **_outcome_fields(exc.details), "error": exc.message}
        warnings += _after(conduct, "on_failure", done, actor, time.monotonic() - started)
        warnings += announce(home, conduct.notify, "deploy.failed", done)
        if kind == "deploy" and done.get("state") == "rolled_back":
            warnings += announce(home, conduct.notify, "deploy.rolled_back", done)
        exc.details["warnings"] = [*exc.details.get("warnings", []), *warnings]
        raise
    except ShipmateError as exc:   # refused or cut short (lock held, target error): "started" needs an end
        warnings += announce(home, conduct.notify, "deploy.failed", {**fields, "error": exc.message})
        if warnings:
            exc.details["warnings"] = [*exc.details.get("warnings", []), *warnings]
        raise
    if result.get("noop"):
        return result
    done = {**fields, **_outcome_fields(result)}
    warnings += _after(conduct, f"post_{kind}", done, actor, time.monotonic() - started)
    warnings += announce(home, conduct.notify, f"{kind}.succeeded", done)
    if warnings:
        result["warnings"] = [*result.get("warnings", []), *warnings]
    return result


def _outcome_fields(summary: dict[str, Any]) -> dict[str, Any]:
    keys = ("deployment_id", "state", "verified", "previous_version", "error")
    return {key: summary[key] for key in keys if summary.get(key) is not None}


def _after(conduct: Conduct, hook: str, done: dict[str, Any], actor: str, runtime_s: float) -> list[str]:
    context = HookContext(done["service"], done["version"], done["environment"], actor,
                          str(done.get("deployment_id") or ""), runtime_s)
    return [f"{hook} hook {' '.join(o.argv)[:120]} failed ({o.problem})" + (f": {o.tail[-1]}" if o.tail else "")
            for o in run_hooks(conduct, hook, context) if not o.ok]
