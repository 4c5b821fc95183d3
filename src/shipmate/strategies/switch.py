"""The files target's strategy: the whole rendered set becomes the folder's set at once (no instances to shift).

One forward step, the commit point; its abort step puts the previous release's set back (none: removes ours).
ops/switching_files.py runs it; the plan is stored like any other, so status and history read it alike.
"""

from __future__ import annotations

from shipmate.plan import COMMIT_POINT, Plan, PlanStep

SWITCH = "switch"


def switch_plan(service: str, environment: str, version: str, *, kind: str, previous_version: str | None,
                set_key: str, destination: str) -> Plan:
    """``kind``: deploy | rollback | down (down makes the empty set current and clears `current`)."""
    forward = PlanStep("switch_files", {"set": set_key, "destination": destination},
                       "write the changed files (atomic rename each), remove ours that left the set, check they "
                       "parse", frozenset({COMMIT_POINT}))
    abort = PlanStep("restore_files", {"previous_version": previous_version, "destination": destination},
                     "put the previous release's set back (or remove ours when there was none)")
    return Plan(service, environment, version, kind, SWITCH, previous_version, (forward,), False, (abort,))
