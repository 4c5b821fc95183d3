"""Doctor's first check, the failure memory (ops.recalling): the last failure and its known fixes. Read-only,
and never the reason doctor itself fails: a memory it cannot read is left out, the other checks still run."""

from __future__ import annotations

from typing import Any

from shipmate.analysis.diagnosis import Finding
from shipmate.errors import ShipmateError
from shipmate.ops.doctoring.context import DoctorContext

TOP = 3
FAILED_STATES = ("rolled_back", "failed")


def open_failures(ctx: DoctorContext) -> list[dict[str, Any]]:
    """Failures here that no later deployment has settled, oldest first, each with its top known fixes."""
    from shipmate.ops.recalling import memory_match

    if ctx.store is None or ctx.loaded is None:
        return []
    try:
        return memory_match(ctx.spec_file, environment=ctx.environment, top=TOP).open_failures or []
    except ShipmateError:
        return []


def known_fixes(ctx: DoctorContext, deployment_id: str, error_text: str) -> list[dict[str, Any]]:
    """The top fixes for the failure of ``deployment_id`` as the memory grouped it, else for its error text."""
    from shipmate.ops.recalling import memory_match

    for failure in reversed(open_failures(ctx)):
        if failure.get("deployment_id") == deployment_id:
            return list(failure.get("known_fixes") or [])
    if not error_text:
        return []
    try:
        return memory_match(ctx.spec_file, environment=ctx.environment, text=error_text, top=TOP).known_fixes or []
    except ShipmateError:
        return []


def memory_first(ctx: DoctorContext) -> list[Finding]:
    """The last failure here and the known fixes that match it (failure memory): a failed deployment, or a
    failure that stopped a deploy before it had a row (a missing secret) and no deploy has settled since."""
    if ctx.store is None or ctx.service is None or ctx.environment is None:
        return []
    last = ctx.store.deployments(ctx.service, ctx.environment, limit=1)
    if last and str(last[0].state) in FAILED_STATES:
        dep = last[0]
        fixes = known_fixes(ctx, dep.id, dep.error or "")
        return [Finding("memory.last_failure", "warning",
                        f"the last deployment {dep.id} ended {dep.state}: {dep.error or 'no error recorded'}"
                        f"{_first_fix(fixes)}", f"shipmate explain {dep.id}",
                        detail={"deployment_id": dep.id, "known_fixes": fixes})]
    unsettled = [f for f in open_failures(ctx) if not f.get("deployment_id")]
    if not unsettled:
        return []
    failure = unsettled[-1]
    fixes = list(failure.get("known_fixes") or [])
    return [Finding("memory.last_failure", "warning", f"the last deploy failed: {failure.get('message')}"
                    f"{_first_fix(fixes)}", "shipmate memory show " + str(failure.get("id")),
                    detail={"failure_id": failure.get("id"), "signature_id": failure.get("signature_id"),
                            "known_fixes": fixes})]


def _first_fix(fixes: list[dict[str, object]]) -> str:
    return f"; known fix: {fixes[0].get('solution') or fixes[0]}" if fixes else ""
