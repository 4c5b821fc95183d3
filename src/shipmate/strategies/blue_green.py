"""Blue-green: the new release (all its replicas) proves itself beside the old one; traffic switches at once.

The old instances keep running, idle, through the monitor window, so a failed window switches
straight back to them (rollback in one route change); they are retired only after promote.
"""

from __future__ import annotations

from shipmate.plan import Plan, PlanInput
from shipmate.strategies import common
from shipmate.strategies.names import BLUE_GREEN

NAME = BLUE_GREEN


def plan(given: PlanInput, name: str = NAME) -> Plan:
    steps = [common.preflight(given), common.start_instances(given), common.wait_healthy(given),
             *common.proven_by(given, common.switch_route(given)), common.promote(given),
             *common.retire_old(given)]
    return Plan(given.service, given.environment, given.version, given.kind, name,
                given.previous_version, tuple(steps), abort_steps=common.abort_steps(given))
