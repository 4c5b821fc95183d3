"""Where doctor asks the failure memory (ops.recalling) for known fixes: read-only, and never the reason doctor
itself fails — a memory it cannot read is left out, the other checks still run."""

from __future__ import annotations

from typing import Any

from shipmate.errors import ShipmateError
from shipmate.ops.doctoring.context import DoctorContext

TOP = 3


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
