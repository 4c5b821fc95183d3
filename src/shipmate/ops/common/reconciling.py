"""Bring the world back to a consistent state before a command acts on it or reports it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shipmate.engine.context import Runtime


def reconcile_all(rt: Runtime) -> list[dict[str, Any]]:
    """Crashed deployments first (finish or roll back), then a router that died under a live service."""
    from shipmate.engine.recovery import reconcile

    report = reconcile(rt)
    from shipmate.engine.instance_releases import current_with_instances

    if current_with_instances(rt.store) and not rt.router.is_running():
        rt.router.ensure_running()  # it restores its durable route table
        report.append({"router": "restarted with its saved routes"})
    for item in report:
        rt.progress("recovered", item)
    return report
