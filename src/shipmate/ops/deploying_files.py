"""deploy, rollback and down of a `files` target (target.kind: files): the "switch" of ops/switching_files.py.

Called by deploy / rollback / down when the spec's (or the current release's) target places files; the faces
see the same operations and get a FilesResult.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipmate.errors import NotFoundError
from shipmate.ops.results.files import FilesResult
from shipmate.ops.switching_files import switch, target_for_home

if TYPE_CHECKING:
    from shipmate.ops.common.identity import Identity
    from shipmate.ops.common.workspace import Workspace
    from shipmate.ops.results.health import CheckResult
    from shipmate.release_config import ReleaseConfig
    from shipmate.spec.loader import LoadedSpec
    from shipmate.store.rows import ReleaseRow
    from shipmate.store.store import Store


def is_file_set(kind: str) -> bool:
    """Whether releases of ``kind`` are sets of files (no instances): they take this module's path."""
    from shipmate.targets.registry import capabilities_of

    found = capabilities_of(kind)
    return found is not None and found.file_set


def release_kind(store: Store, service: str, environment: str) -> str | None:
    """The target kind of the current release, else of the service's newest one (after a down)."""
    cur = store.current(service, environment)
    rel = store.get_release(cur.release_id) if cur is not None else None
    if rel is None:
        newest = store.releases(service, limit=1)
        rel = newest[0] if newest else None
    return rel.target_kind if rel is not None else None


def files_in_place(ws: Workspace, config: ReleaseConfig) -> bool:
    """`status`'s "serving" for a files release: every file of ours is present and parses (the health check)."""
    from shipmate.errors import ShipmateError

    try:
        return not target_for_home(ws).problems(ws.home, config)
    except ShipmateError:    # a manifest edited into nonsense, a schema gone: not in a state we can vouch for
        return False


def check_files(ws: Workspace, rel: ReleaseRow) -> CheckResult:
    """`check` of a files release: each file of ours is present and parses (and matches target.schema);
    HealthCheckFailedError (exit 3) naming the first file that does not."""
    import time

    from shipmate.errors import HealthCheckFailedError
    from shipmate.ops.results.health import CheckResult
    from shipmate.release_config import ReleaseConfig

    config = ReleaseConfig.from_dict(rel.spec)
    target = target_for_home(ws)
    started = time.monotonic()
    problems = target.problems(ws.home, config)
    names = sorted(target.manifest(ws.home, config).files)
    took = round((time.monotonic() - started) * 1000, 1)
    if problems:
        first, why = sorted(problems.items())[0]
        raise HealthCheckFailedError(f"{config.service}/{config.environment}: {len(problems)} file(s) fail the "
                                     f"check, first {first}: {why}",
                                     hint="deploy again (unchanged files are skipped), or `shipmate rollback`",
                                     details={"problems": problems})
    checks = [{"probe": f"files in {target.destination(config)}", "phase": "pass", "latency_ms": took,
               "detail": f"{len(names)} files present and parse"}]
    return CheckResult(service=config.service, environment=config.environment, version=config.version,
                       checks=checks, healthy=True,
                       levels=[{"level": 1, "name": "files", "phase": "pass", "checks": checks}],
                       failed_level=None, configured_levels=[1], not_configured=[2, 3, 4, 5], warnings=[])


def deploy_files(ws: Workspace, loaded: LoadedSpec, *, dry_run: bool, trace_id: str | None,
                 identity: Identity | None = None, wait_approval: bool = True) -> FilesResult:
    from shipmate.ops.common.releases import config_from

    config = config_from(loaded)
    wanted = target_for_home(ws).wanted(config)   # rendered in memory: a bad template or data file stops here
    return switch(ws, config, wanted, kind="deploy", dry_run=dry_run, trace_id=trace_id, identity=identity,
                  wait_approval=wait_approval)


def rollback_files(ws: Workspace, config: ReleaseConfig, *, dry_run: bool, trace_id: str | None,
                   identity: Identity | None = None, wait_approval: bool = True) -> FilesResult:
    """Put ``config``'s rendered set back exactly, from its snapshot (never re-rendered from today's templates)."""
    from shipmate.snapshots.rendered_sets import load_set

    key = config.artifact.get("set")
    if not key:
        raise NotFoundError(f"release {config.version} of {config.service} kept no rendered set",
                            hint="deploy that version again instead")
    return switch(ws, config, load_set(ws.home, config.service, str(key)), kind="rollback", dry_run=dry_run,
                  trace_id=trace_id, identity=identity, wait_approval=wait_approval)


def down_files(ws: Workspace, config: ReleaseConfig, *, dry_run: bool, identity: Identity | None = None,
               wait_approval: bool = True) -> FilesResult:
    """Remove only ours: files the user edited (and every file of theirs) stay."""
    return switch(ws, config, {}, kind="down", dry_run=dry_run, identity=identity, wait_approval=wait_approval)
