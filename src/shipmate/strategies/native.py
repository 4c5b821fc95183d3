"""Native rollout: the target's own engine (Swarm's ``update_config``) replaces the replicas.

shipmate asks for the release and watches *our* update until it ends (only ``completed`` counts),
keeping the router's membership on the tasks that really run; then it proves every new task with
its own probes and judges the release on real traffic, like every other strategy. A failure rolls
out the previous release's spec again, rebuilt from the store (the last verified-good release,
not the engine's one-level PreviousSpec). ``rolling`` and ``recreate`` differ only in the update
settings the target derives from the spec, so both use this plan.
"""

from __future__ import annotations

from shipmate.plan import CLEANUP, Plan, PlanInput, PlanStep
from shipmate.strategies import common

NAME = "native"


def plan(given: PlanInput, strategy: str) -> Plan:
    steps = [
        common.preflight(given),
        PlanStep("roll_out", {"version": given.version, "replicas": given.replicas,
                              "deadline_s": given.converge_s},
                 "ask the target's engine for the new release and wait for our update to complete; the router "
                 "follows the tasks that run"),
        common.wait_healthy(given),
        *common.proven_by(given, common.switch_route(given)),
        common.promote(given),
    ]
    if given.previous_instance_ids:
        steps.append(PlanStep("forget_replaced", {"instance_ids": list(given.previous_instance_ids)},
                              "record the previous release's tasks as replaced (the engine stopped them)",
                              frozenset({CLEANUP})))
    return Plan(given.service, given.environment, given.version, given.kind, strategy,
                given.previous_version, tuple(steps), abort_steps=abort_steps(given))


def abort_steps(given: PlanInput) -> tuple[PlanStep, ...]:
    return (
        PlanStep("roll_back_native", {"port": given.port, "deadline_s": given.converge_s},
                 "roll out the previous release's spec again and serve only its tasks (none: remove the service)"),
        PlanStep("stop_new", {"grace_s": given.stop_grace_s},
                 "record every task of this deployment that no longer serves as stopped"),
    )
