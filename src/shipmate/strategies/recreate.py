"""Recreate: stop the old release, then start the new one, for services that cannot run two
copies at once (a single-writer file, a fixed port inside).

With the http router the gap costs latency, not errors: requests are held (router.hold) until
the new instances are proven and routed, as kamal-proxy's pause does. With tcp it is downtime.
"""

from __future__ import annotations

from shipmate.plan import Plan, PlanInput, PlanStep
from shipmate.strategies import common
from shipmate.strategies.names import RECREATE

NAME = RECREATE


def plan(given: PlanInput) -> Plan:
    steps = [common.preflight(given)]
    if given.previous_running:
        steps.append(PlanStep("hold_route", {"port": given.port},
                              "park new requests in the router while no instance serves (http: they wait)"))
        steps.append(common.stop_old(given, given.previous_instance_ids,
                                     "the old release must be gone before the new one starts", cleanup=False))
    steps += [common.start_instances(given), common.wait_healthy(given),
              *common.proven_by(given, common.switch_route(given)), common.promote(given)]
    return Plan(given.service, given.environment, given.version, given.kind, NAME,
                given.previous_version, tuple(steps), downtime=given.previous_running and given.router_mode != "http",
                abort_steps=common.abort_steps(given))
