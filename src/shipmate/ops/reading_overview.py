"""Every registered service on this host in one table, and where a service's spec is (the dashboard's
overview). Cheap by design: the host registry plus one stdlib-sqlite read per home, no engine call; a process
instance is checked by pid and start time, what any `ps` does. A service is found by name, or by name and
home id when two homes hold one of the same name.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipmate.errors import InvalidInputError, NotFoundError, ShipmateError
from shipmate.ops.common.reading import files_view
from shipmate.ops.common.workspace import Workspace
from shipmate.ops.results.overview import LastDeployment, OverviewResult, ServiceOverview

if TYPE_CHECKING:
    from shipmate.release_config import ReleaseConfig
    from shipmate.store.sqlite_reader import SqliteReader
    from shipmate.supervise.registry import Entry


def overview() -> OverviewResult:
    from shipmate.spec.service_names import read_service_names
    from shipmate.supervise import registry

    entries, warnings = registry.entries()
    rows: list[ServiceOverview] = []
    for entry in _one_per_home(entries):
        try:
            service, declared = read_service_names(entry.spec)
            rows += _home_rows(Workspace(entry.spec, entry.home), service, declared or ["default"])
        except (ShipmateError, OSError) as exc:
            warnings.append(f"{entry.spec}: {str(exc)[:200]}")
    rows.sort(key=lambda r: (r.service, r.home))   # stable: environments stay in the order the spec declares
    return OverviewResult(rows, warnings)


def service_spec(service: str, home: str | None = None) -> str:
    """The spec file of a registered ``service`` (``home``: its home id, when names collide)."""
    from shipmate.spec.service_names import read_service_names
    from shipmate.supervise import registry

    found: list[Workspace] = []
    for entry in _one_per_home(registry.entries()[0]):
        ws = Workspace(entry.spec, entry.home)
        try:
            named = read_service_names(entry.spec)[0]
        except (ShipmateError, OSError):
            continue
        if named == service and (home is None or home == ws.home_id):
            found.append(ws)
    if not found:
        raise NotFoundError(f"no registered service {service[:63]}" + (f" in home {home[:32]}" if home else ""),
                            hint="a deploy registers its service; `shipmate serve` lists what it watches")
    if len(found) > 1:
        raise InvalidInputError(f"{len(found)} homes have a service {service}: name one with ?home=",
                                hint="home ids: " + ", ".join(ws.home_id for ws in found))
    return str(found[0].spec_path)


def _one_per_home(entries: list[Entry]) -> list[Entry]:
    """A home deployed from two spec files of one folder is registered twice: it is one service."""
    seen: dict[Path, Entry] = {}
    for entry in entries:
        seen.setdefault(entry.home, entry)
    return list(seen.values())


def _home_rows(ws: Workspace, service: str, environments: list[str]) -> list[ServiceOverview]:
    from shipmate.store.sqlite_reader import SqliteReader

    reader = SqliteReader.open(ws.home)
    if reader is None:
        return [_never(ws, service, env, supervised=False) for env in environments]
    try:
        supervised = reader.live_lock_owner("serve") is not None
        pending = reader.pending_approvals(time.time())
        active = {(d.service, d.environment): d.id for d in reader.active_deployments()}
        out = []
        for env in environments:
            current = reader.current(service, env)
            last = next(iter(reader.deployments(service, env, 1)), None)
            last_row = None if last is None else LastDeployment(
                last.id, last.actor, last.started_at, str(last.state), last.kind, _version(reader, last.release_id))
            if current is None:
                out.append(_never(ws, service, env, supervised=supervised, last=last_row,
                                  pending=pending.get((service, env), 0), in_progress=active.get((service, env))))
                continue
            release = reader.get_release(current.release_id)
            config = _config(release.spec) if release else None
            live = [r for r in reader.instances(service, env, live_only=True) if r.release_id == current.release_id]
            alive = sum(1 for r in live if _alive(r.target_kind, r.handle))
            wanted = config.replicas if config else max(1, len(live))
            health = "healthy" if alive >= wanted else "degraded" if alive else "down"
            out.append(ServiceOverview(
                home=str(ws.home), home_id=ws.home_id, spec=str(ws.spec_path), service=service, environment=env,
                version=release.version if release else None, artifact_short=files_view(config)["artifact_short"],
                health=health, alive=alive, wanted=wanted,
                restarts=sum(int(r.supervision.get("restarts") or 0) for r in live), last_deployment=last_row,
                in_progress=active.get((service, env)), pending_approvals=pending.get((service, env), 0),
                supervised=supervised))
        return out
    finally:
        reader.close()


def _never(ws: Workspace, service: str, env: str, *, supervised: bool, last: LastDeployment | None = None,
           pending: int = 0, in_progress: str | None = None) -> ServiceOverview:
    return ServiceOverview(home=str(ws.home), home_id=ws.home_id, spec=str(ws.spec_path), service=service,
                           environment=env, version=None, artifact_short=None, health="never deployed", alive=0,
                           wanted=0, restarts=0, last_deployment=last, in_progress=in_progress,
                           pending_approvals=pending, supervised=supervised)


def _version(reader: SqliteReader, release_id: str) -> str | None:
    release = reader.get_release(release_id)
    return release.version if release else None


def _config(spec: dict[str, Any]) -> ReleaseConfig:
    from shipmate.release_config import ReleaseConfig

    return ReleaseConfig.from_dict(spec)


def _alive(kind: str, handle: dict[str, Any]) -> bool:
    """A process instance is alive when its pid is still the process started then; other targets' rows are
    kept true by their supervisor (serve) and every command that reads them."""
    if kind != "process":
        return True
    from shipmate.targets.process_family import app_of

    return app_of(handle) is not None

