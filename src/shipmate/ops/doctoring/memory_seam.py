"""Where doctor asks the failure memory for known fixes. The memory is another part of issue 18; until it is
on this branch there is nothing to ask, and doctor still shows the last failure first."""

from __future__ import annotations

from typing import Any

from shipmate.ops.doctoring.context import DoctorContext


def known_fixes(ctx: DoctorContext, error_text: str) -> list[dict[str, Any]]:
    """The top matching fixes ({"solution", "worked", ...}) for ``error_text``; [] while no memory exists."""
    del ctx, error_text
    return []
