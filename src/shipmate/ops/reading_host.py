"""Host-wide reads for serve's HTTP face: every registered home's services, one service found by name (and
home id when names collide), and the overview.

The overview answers in the same time for 5 or 500 services: each home's rows are read once with the stdlib
driver and kept until its state database, its WAL or its spec file changes (a stat per home per request);
the one live fact, whether a serve supervises the home, is judged again at each read. No engine calls.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shipmate.errors import InvalidInputError, NotFoundError, ShipmateError
from shipmate.ops.results.overview import LastDeployment, Overview, OverviewRow, ServiceRef, ServicesResult

_SERVE_LOCK = "serve"


@dataclass(frozen=True)
class _HomeRows:
    stamp: tuple[int, ...]
    ref: ServiceRef | None
    rows: list[OverviewRow]
    serve_lock: dict[str, Any] | None


_cache: dict[str, _HomeRows] = {}
_cache_lock = threading.Lock()
_registry: dict[str, Any] = {}      # the registry's listing, kept while its folder's mtime stands
_last_overview: dict[str, Any] = {}  # the last Overview and what it was made from


def _stamp(home: Path, spec: Path) -> tuple[int, ...]:
    out = []
    for path in (home / "state.db", home / "state.db-wal", spec):
        try:
            st = os.stat(path)
            out += [st.st_mtime_ns, st.st_size]
        except OSError:
            out += [0, 0]
    return tuple(out)


def registered_services() -> ServicesResult:
    """Every registered home's service (one spec each), as the host registry lists them."""
    refs, warnings = _scan()
    return ServicesResult([h.ref for h in refs if h.ref is not None], warnings)


def locate_service(service: str, home_id: str | None = None) -> ServiceRef:
    """The registered service of this name (in ``home_id`` when given); 404 unknown, 400 ambiguous."""
    found = [r for r in registered_services().services
             if r.service == service and (home_id is None or r.home_id == home_id)]
    if not found:
        where = f" in home {home_id[:20]}" if home_id else ""
        raise NotFoundError(f"no registered service {service[:63]!r}{where}",
                            hint="GET /api/v1/services lists them (a deploy registers its home)")
    if len(found) > 1:
        raise InvalidInputError(f"service {service[:63]!r} is registered in {len(found)} homes",
                                hint="pick one with ?home=" + " or ?home=".join(r.home_id for r in found[:5]),
                                details={"homes": [r.home_id for r in found]})
    return found[0]


def overview() -> Overview:
    """The same object as last time when nothing it was made from changed (a face may keep its rendering)."""
    homes, warnings = _scan()
    supervised = [_supervised(home.serve_lock) for home in homes]
    made_from = ([(home.stamp, home.ref) for home in homes], supervised, warnings)
    with _cache_lock:
        if _last_overview.get("from") == made_from:
            last: Overview = _last_overview["overview"]
            return last
    rows: list[OverviewRow] = []
    for home, watched in zip(homes, supervised, strict=True):
        rows += [dataclasses.replace(r, supervised=watched) for r in home.rows]
    rows.sort(key=lambda r: (r.service, r.environment, r.home_id))
    made = Overview(rows, len(homes), warnings)
    with _cache_lock:
        _last_overview.update({"from": made_from, "overview": made})
    return made


def _scan() -> tuple[list[_HomeRows], list[str]]:
    from shipmate.supervise.registry import entries, registry_dir

    try:
        listed = os.stat(registry_dir()).st_mtime_ns
    except OSError:
        listed = 0
    if _registry.get("mtime") == listed and listed:
        found, warnings = _registry["found"], list[str]()
    else:
        found, warnings = entries()
        _registry.update({"mtime": listed, "found": found})
    out = []
    for entry in found:
        stamp = _stamp(entry.home, entry.spec)
        if not any(stamp):    # the home and its spec are gone: list the registry again next time
            _registry.clear()
            continue
        with _cache_lock:
            cached = _cache.get(entry.key)
        if cached is None or cached.stamp != stamp:
            cached = _read_home(entry.key, entry.home, entry.spec, stamp, warnings)
            with _cache_lock:
                _cache[entry.key] = cached
        out.append(cached)
    return out, warnings


def _read_home(key: str, home: Path, spec: Path, stamp: tuple[int, ...], warnings: list[str]) -> _HomeRows:
    from shipmate.spec.service_names import read_service_names

    try:
        service, declared = read_service_names(spec)
    except ShipmateError as exc:
        warnings.append(f"{spec}: {exc.message}")
        return _HomeRows(stamp, None, [], None)
    envs = declared or ["default"]
    ref = ServiceRef(key, str(home), str(spec), service, envs)
    try:
        rows, lock = _rows_of(key, home, service, envs)
    except ShipmateError as exc:
        warnings.append(f"{home}: {exc.message}")
        return _HomeRows(stamp, ref, [], None)
    return _HomeRows(stamp, ref, rows, lock)


def _rows_of(key: str, home: Path, service: str, envs: list[str]
             ) -> tuple[list[OverviewRow], dict[str, Any] | None]:
    from shipmate.ops.common.instance_view import artifact_hash
    from shipmate.store.paged_reads import PagedReader, lock_row

    reader = PagedReader.open(home)
    if reader is None:
        return [OverviewRow(key, service, env, None, None, "not_deployed", 0, 0, 0, None, 0, False)
                for env in envs], None
    try:
        current = {(c.service, c.environment): c for c in reader.all_current()}
        last = {(d.service, d.environment): d for d in reader.last_deployments()}
        pending = reader.pending_approvals(time.time())
        live = reader.live_instance_rows()
        rows = []
        for env in envs:
            cur = current.get((service, env))
            release = reader.get_release(cur.release_id) if cur else None
            mine = [i for i in live if i["service"] == service and i["environment"] == env
                    and cur is not None and i["release_id"] == cur.release_id]
            alive = sum(1 for i in mine if i["status"] == "running")
            wanted = int((release.spec.get("replicas") if release else 0) or (1 if release else 0))
            restarts = sum(int((i.get("supervision") or {}).get("restarts") or 0) for i in mine)
            health = "not_deployed" if cur is None else \
                "healthy" if alive >= wanted else "degraded" if alive else "down"
            dep = last.get((service, env))
            rows.append(OverviewRow(
                key, service, env, release.version if release else None, artifact_hash(release), health,
                alive, wanted, restarts,
                LastDeployment(dep.id, dep.actor, str(dep.state), dep.started_at, dep.finished_at) if dep else None,
                pending.get((service, env), 0), False))
        return rows, lock_row(reader, _SERVE_LOCK)
    finally:
        reader.close()


def _supervised(lock: dict[str, Any] | None) -> bool:
    from shipmate.store.owners import judge

    if lock is None:
        return False
    seen = judge(lock["owner"], heartbeat_at=lock["heartbeat_at"], lease_until=lock["lease_until"],
                 released_at=lock["released_at"], now=time.time())
    return bool(seen.held)
