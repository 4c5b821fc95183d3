"""Steps that every strategy shares, so each strategy file shows only what makes it different."""

from __future__ import annotations

from shipmate.plan import PlanInput, PlanStep


def preflight(given: PlanInput) -> PlanStep:
    return PlanStep("preflight", {"port": given.port},
                    "the public port must be ours or free, before anything starts")


def start_new(given: PlanInput) -> PlanStep:
    return PlanStep("start_instance", {"version": given.version},
                    "start the new release on an ephemeral port, away from traffic")


def wait_healthy(given: PlanInput) -> PlanStep:
    return PlanStep("wait_healthy", {"deadline_s": given.health_deadline_s},
                    "prove the new instance healthy before it gets a single connection")


def switch_route(given: PlanInput) -> PlanStep:
    return PlanStep("switch_route", {"port": given.port},
                    "send new connections to the new instance (atomic in the router)")


def monitor(given: PlanInput) -> PlanStep:
    return PlanStep("monitor", {"duration_s": given.monitor_s},
                    "watch the new release under probe traffic; fail -> roll back")


def release_new(given: PlanInput) -> list[PlanStep]:
    """Start the new release, prove it, switch to it, watch it, promote it: what every strategy shares."""
    steps = [start_new(given), wait_healthy(given), switch_route(given)]
    if given.monitor_s > 0:
        steps.append(monitor(given))
    steps.append(promote(given))
    return steps


def promote(given: PlanInput) -> PlanStep:
    return PlanStep("promote", {"version": given.version},
                    "record the new release as current (and verified if it passed a monitor window)")


def retire_old(given: PlanInput) -> list[PlanStep]:
    return [
        PlanStep("drain_old", {"timeout_s": given.drain_s, "instance_id": given.previous_instance_id},
                 "let the previous instance finish its open connections"),
        stop_old(given, "SIGTERM, then SIGKILL after the grace"),
    ]


def stop_old(given: PlanInput, why: str) -> PlanStep:
    return PlanStep("stop_old", {"grace_s": given.stop_grace_s, "instance_id": given.previous_instance_id}, why)
