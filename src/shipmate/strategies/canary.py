"""Canary: the new release takes a growing share of real requests, judged against the stable side
at every step; after the last step it takes 100 %.

Each step sets the weights (``set_weight``) and holds them for its pause (``analyze``: a monitor
window comparing the canary with stable on the same ticks). A failed step sends all traffic back
to stable through the abort steps. Rolling back to a release that passed lately skips the steps
(the fast rollback window): it is known good, and the way back should be quick.
"""

from __future__ import annotations

from shipmate.plan import Plan, PlanInput, PlanStep
from shipmate.strategies import blue_green, common
from shipmate.strategies.names import CANARY

NAME = CANARY


def plan(given: PlanInput) -> Plan:
    if not given.previous_running or given.fast_rollback or not given.canary_steps:
        # Nothing to compare against (first deploy) or a known-good release: all at once.
        return blue_green.plan(given, NAME)
    steps = [common.preflight(given), common.start_instances(given), common.wait_healthy(given)]
    for number, (weight, pause_s) in enumerate(given.canary_steps, start=1):
        steps.append(PlanStep("set_weight", {"port": given.port, "weight": weight, "step": number},
                              f"send {weight}% of new requests to the canary, the rest to stable"))
        steps.append(PlanStep("analyze", {"duration_s": pause_s, "step": number},
                              "judge the canary against stable on the same ticks; fail -> all back to stable",
                              enters="monitoring"))
    steps += [*common.proven_by(given, common.switch_route(given)), common.promote(given),
              *common.retire_old(given)]
    return Plan(given.service, given.environment, given.version, given.kind, NAME,
                given.previous_version, tuple(steps), abort_steps=common.abort_steps(given))
