"""Blue-green: the new release proves itself beside the old one; traffic switches at once.

The old instance keeps running, idle, through the monitor window, so a failed window
switches straight back to it (rollback in one route change), and is retired only after.
"""

from __future__ import annotations

from shipmate.plan import Plan, PlanInput
from shipmate.strategies import common

NAME = "blue-green"


def plan(given: PlanInput) -> Plan:
    steps = [common.preflight(given), *common.release_new(given)]
    if given.previous_running:
        steps.extend(common.retire_old(given))
    return Plan(given.service, given.environment, given.version, given.kind, NAME,
                given.previous_version, tuple(steps))
