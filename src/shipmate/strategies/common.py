"""Steps that every strategy shares, so each strategy file shows only what makes it different.

Instance steps are cumulative and idempotent: ``start_instances{total: 3}`` means "this deployment
has 3 live new instances", so re-running it after a crash starts only what is missing.
"""

from __future__ import annotations

from shipmate.plan import CLEANUP, COMMIT_POINT, WAITS, PlanInput, PlanStep


def preflight(given: PlanInput) -> PlanStep:
    return PlanStep("preflight", {"port": given.port},
                    "the public port must be ours or free, and the target ready, before anything starts")


def start_instances(given: PlanInput, total: int | None = None) -> PlanStep:
    total = given.replicas if total is None else total
    return PlanStep("start_instances", {"version": given.version, "total": total},
                    f"start new instances until {total} run, on ephemeral ports, away from traffic")


def wait_healthy(given: PlanInput) -> PlanStep:
    return PlanStep("wait_healthy", {"deadline_s": given.health_deadline_s},
                    "prove every new instance healthy before it gets a single request", enters="verifying")


def switch_route(given: PlanInput) -> PlanStep:
    return PlanStep("switch_route", {"port": given.port},
                    "send all new requests to the new instances at once (atomic in the router)")


def monitor(given: PlanInput) -> PlanStep:
    return PlanStep("monitor", {"duration_s": given.monitor_s},
                    "watch the new release on real traffic and probes; fail -> roll back",
                    enters="monitoring")


def promote(given: PlanInput) -> PlanStep:
    return PlanStep("promote", {"version": given.version},
                    "record the new release as current (and verified if it passed a monitor window)")


def proven_by(given: PlanInput, last: PlanStep) -> list[PlanStep]:
    """The proof a release ends with: the monitor window after ``last`` (the final traffic move), or
    ``last`` itself when monitoring is off. That step is the commit point."""
    if given.monitor_s > 0:
        return [last, monitor(given).with_flags(COMMIT_POINT)]
    return [last.with_flags(COMMIT_POINT)]


def drain_old(given: PlanInput, ids: tuple[str, ...], *, cleanup: bool) -> PlanStep:
    flags = {WAITS, CLEANUP} if cleanup else {WAITS}
    return PlanStep("drain_old", {"timeout_s": given.drain_s, "instance_ids": list(ids)},
                    "let the previous instances finish what they have in flight", frozenset(flags))


def stop_old(given: PlanInput, ids: tuple[str, ...], why: str, *, cleanup: bool) -> PlanStep:
    flags = {CLEANUP} if cleanup else set()
    return PlanStep("stop_old", {"grace_s": given.stop_grace_s, "instance_ids": list(ids)}, why,
                    frozenset(flags))


def retire_old(given: PlanInput) -> list[PlanStep]:
    """After promote: drain and stop the whole previous set (failures are warnings)."""
    if not given.previous_running:
        return []
    ids = given.previous_instance_ids
    return [drain_old(given, ids, cleanup=True),
            stop_old(given, ids, "SIGTERM, then SIGKILL after the grace", cleanup=True)]


def abort_steps(given: PlanInput) -> tuple[PlanStep, ...]:
    """Put the previous release back with its full replica set, then stop what this deployment started."""
    return (
        PlanStep("restore_previous", {"port": given.port, "replicas": given.previous_replicas},
                 "serve only the previous release again (restarting its missing replicas first)"),
        PlanStep("stop_new", {"grace_s": given.stop_grace_s},
                 "stop every instance this deployment started"),
    )
