"""Rolling: replace the replicas a batch at a time; the router's membership changes one instance at a time.

With ``max_surge`` > 0 each batch starts up to max_surge new instances, proves them, adds them to
the route, then removes as many old ones (drain, stop): never fewer than ``replicas`` answer and
never more than ``replicas + max_surge`` run. With ``max_surge: 0`` each batch first takes
``max_unavailable`` old ones out, then starts their replacements: never more than ``replicas`` run
and never fewer than ``replicas - max_unavailable`` answer. The monitor window judges the whole
new set at the end; a failure restarts the previous release's replicas and switches back.
"""

from __future__ import annotations

from shipmate.plan import Plan, PlanInput, PlanStep
from shipmate.strategies import blue_green, common
from shipmate.strategies.names import ROLLING

NAME = ROLLING


def plan(given: PlanInput) -> Plan:
    if not given.previous_running or given.fast_rollback:
        return blue_green.plan(given, NAME)  # nothing to replace, or a known-good release: at once
    steps = [common.preflight(given)]
    old = list(given.previous_instance_ids)
    batch = given.max_surge or given.max_unavailable
    started = 0
    while started < given.replicas:
        size = min(batch, given.replicas - started)
        last = started + size >= given.replicas
        retire = tuple(old) if last else tuple(old[:size])   # the last batch retires any extra old replica
        old = [] if last else old[size:]
        if given.max_surge:
            steps += _start_and_add(given, started + size)
            steps += _retire(given, retire)
        else:
            steps += _retire(given, retire)
            steps += _start_and_add(given, started + size)
        started += size
    *body, last_step = steps
    steps = [*body, *common.proven_by(given, last_step), common.promote(given)]
    return Plan(given.service, given.environment, given.version, given.kind, NAME,
                given.previous_version, tuple(steps), abort_steps=common.abort_steps(given))


def _start_and_add(given: PlanInput, total: int) -> list[PlanStep]:
    return [common.start_instances(given, total), common.wait_healthy(given),
            PlanStep("add_backends", {"port": given.port},
                     "add the proven new instances to the route, one at a time")]


def _retire(given: PlanInput, ids: tuple[str, ...]) -> list[PlanStep]:
    if not ids:
        return []
    return [PlanStep("remove_backends", {"port": given.port, "instance_ids": list(ids)},
                     "take these old instances out of the route, one at a time"),
            common.drain_old(given, ids, cleanup=False),
            common.stop_old(given, ids, "SIGTERM, then SIGKILL after the grace", cleanup=False)]
