"""`status`'s view of each live instance: checked now, on the app itself, never taken from the record alone.

alive and pid from the target; restarts and last exit from what `shipmate serve` recorded; uptime from the
instance's start; CPU (over a 0.1 s look) and memory now; the release's version with its artifact hash;
in rotation when the router has it as a member of the route with a weight now.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shipmate.store.rows import DeploymentRow, InstanceRow, ReleaseRow
    from shipmate.targets.base import Target
    from shipmate.traffic import TrafficRouter

CPU_LOOK_S = 0.1
SERVE_LOCK = "serve"


def artifact_hash(release: ReleaseRow | None) -> str | None:
    """What tells two releases of one version apart: the process snapshot's sha256, or the docker image id."""
    if release is None:
        return None
    spec = release.spec
    artifact = spec.get("artifact") or {}
    found = artifact.get("sha256") or (spec.get("target_settings") or {}).get("image_id") \
        or (release.facts or {}).get("artifact_sha256")
    return str(found) if found else None


def role(row: InstanceRow, current_release: str | None, deploying: DeploymentRow | None) -> str:
    """new: started by the deployment in progress for the release it brings (a forced redeploy of the
    current release included); current: the current release's (restored replicas included); old: the rest."""
    if deploying is not None and row.deployment_id == deploying.id and row.release_id == deploying.release_id:
        return "new"
    return "current" if row.release_id == current_release else "old"


def members(router: TrafficRouter, port: int | None) -> set[str] | None:
    """Instance ids the router sends new requests to on ``port``; None when the router cannot be asked."""
    if port is None:
        return None
    from shipmate.errors import ShipmateError

    try:
        if not router.is_running():
            return set()
        stats = router.stats(port)
    except ShipmateError:
        return None
    return {b.instance_id for b in stats.backends if b.member and b.weight > 0} if stats else set()


def instances_view(rows: list[InstanceRow], releases: Mapping[str, ReleaseRow], targets: Callable[[str], Target],
                   current_release: str | None, deploying: DeploymentRow | None,
                   in_route: set[str] | None) -> list[dict[str, Any]]:
    """``rows``: the environment's live instances; ``releases``: their releases by id (read with them)."""
    from shipmate.engine.context import ref_of
    from shipmate.errors import ShipmateError

    out: list[dict[str, Any]] = []
    looks: list[tuple[dict[str, Any], Target, dict[str, Any], float]] = []
    for row in rows:
        release = releases.get(row.release_id)
        target = targets(row.target_kind)
        try:
            seen = target.inspect(ref_of(row).handle)
            alive, pid = seen.alive, seen.pid or row.pid
            # a process look is instant; `docker stats` takes a second or more: status stays fast
            usage = target.usage(ref_of(row).handle) if alive and target.kind == "process" else None
        except ShipmateError:
            alive, pid, usage = False, row.pid, None   # cannot look (unknown kind, access denied): not serving
        started = float(row.supervision.get("started_at") or row.created_at)
        item: dict[str, Any] = {
            "instance_id": row.instance_id, "version": release.version if release else None,
            "artifact": artifact_hash(release), "port": row.port, "host": row.host, "pid": pid,
            "status": row.status, "alive": alive, "role": role(row, current_release, deploying),
            "restarts": int(row.supervision.get("restarts") or 0),
            "last_exit": _exit_summary(row.supervision.get("last_exit")),
            "uptime_s": round(time.time() - started, 1) if alive else None,
            "cpu_percent": None, "memory_mb": round(usage.rss_bytes / 2**20, 1) if usage else None,
            "in_rotation": None if in_route is None else row.instance_id in in_route}
        out.append(item)
        if usage is not None:
            looks.append((item, target, ref_of(row).handle, sum(usage.cpu_s_by_process.values())))
    if looks:
        _cpu_now(looks)
    return out


def _cpu_now(looks: list[tuple[dict[str, Any], Target, dict[str, Any], float]]) -> None:
    """CPU now: one short look at every live instance together (0.1 s for the whole status, not each)."""
    from shipmate.errors import ShipmateError

    start = time.monotonic()
    time.sleep(CPU_LOOK_S)
    for item, target, handle, first in looks:
        try:
            usage = target.usage(handle)
        except ShipmateError:
            continue
        if usage is not None:
            used = sum(usage.cpu_s_by_process.values()) - first
            item["cpu_percent"] = round(100.0 * max(used, 0.0) / max(time.monotonic() - start, 1e-3), 1)


def _exit_summary(last_exit: Any) -> dict[str, Any] | None:
    if not isinstance(last_exit, dict) or not last_exit:
        return None
    return {"status": last_exit.get("status"), "at": last_exit.get("at"), "pid": last_exit.get("pid")}
