"""Recreate: stop the old release, then start the new one. Simple, and it has downtime.

For services that cannot run two copies at once (a single-writer file, a fixed port inside).
"""

from __future__ import annotations

from shipmate.plan import Plan, PlanInput
from shipmate.strategies import common

NAME = "recreate"


def plan(given: PlanInput) -> Plan:
    steps = [common.preflight(given)]
    if given.previous_running:
        steps.append(common.stop_old(given, "the old release must be gone before the new one starts (downtime)"))
    steps += common.release_new(given)
    return Plan(given.service, given.environment, given.version, given.kind, NAME,
                given.previous_version, tuple(steps), downtime=given.previous_running)
