"""Which instances a step acts on, read from the store and checked against the world each time.

Steps never carry instance rows in memory between them: after a crash, recovery rebuilds the
same sets from the same rows, so every step is safe to run again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from shipmate.engine.context import DeployContext, ref_of
from shipmate.traffic import Backend

if TYPE_CHECKING:
    from shipmate.store.rows import InstanceRow


def new_rows(ctx: DeployContext) -> list[InstanceRow]:
    """The live instances this deployment started of its own release (oldest first)."""
    return [row for row in ctx.rt.store.instances(ctx.service, ctx.environment, live_only=True)
            if row.deployment_id == ctx.deployment.id and row.release_id == ctx.release_id]


def alive(ctx: DeployContext, rows: Iterable[InstanceRow]) -> list[InstanceRow]:
    return [row for row in rows if ctx.rt.target.is_alive(ref_of(row))]


def by_ids(ctx: DeployContext, ids: Iterable[str]) -> list[InstanceRow]:
    found = (ctx.rt.store.get_instance(str(iid)) for iid in ids)
    return [row for row in found if row is not None]


def previous_ids(ctx: DeployContext) -> tuple[str, ...]:
    """The previous release's instances named by the plan (or known when it was made)."""
    named = ctx.plan.retired_instance_ids()
    if named:
        return named
    return ctx.previous.instance_ids if ctx.previous is not None else ()


def previous_rows(ctx: DeployContext) -> list[InstanceRow]:
    """The previous release's live instances: those the plan named, and copies this deployment restarted."""
    if ctx.previous is None:
        return []
    rows = [row for row in by_ids(ctx, previous_ids(ctx)) if row.live]
    if ctx.previous.release_id != ctx.release_id:  # a forced redeploy's copies are not restarts
        known = {row.instance_id for row in rows}
        rows += [row for row in ctx.rt.store.instances(ctx.service, ctx.environment, live_only=True)
                 if row.deployment_id == ctx.deployment.id and row.release_id == ctx.previous.release_id
                 and row.instance_id not in known]
    return alive(ctx, rows)


def member_backends(ctx: DeployContext, port: int) -> list[Backend]:
    """The route's members as the router reports them now (observed, so a re-run sees its own work)."""
    stats = ctx.rt.router.stats(port) if ctx.rt.router.is_running() else None
    if stats is None:
        return []
    members = []
    for b in stats.backends:
        if b.member:
            host, _, number = b.address.rpartition(":")
            members.append(Backend(host=host, port=int(number), weight=b.weight, version=b.version,
                                   instance_id=b.instance_id, role=b.role))
    return members
