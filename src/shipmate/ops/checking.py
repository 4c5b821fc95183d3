"""check: the current release's health levels, run now."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipmate.errors import HealthCheckFailedError
from shipmate.ops.common.failure_memory import remembers
from shipmate.ops.common.reading import (
    open_reconciled,
    service_and_envs,
    serving_rows,
    targets_by_kind,
)
from shipmate.ops.common.workspace import Workspace

if TYPE_CHECKING:
    from shipmate.ops.results.health import CheckResult
    pass


@remembers("check")
def check(spec_file: str | None, *, environment: str | None = None, level: int | None = None) -> CheckResult:
    """Run the current release's health levels 1..level now (all configured ones by default), directly and
    through the public port; stops at the first failing level (exit 3, the level in the message and details)."""
    from shipmate.ops.common.level_checking import check_levels

    ws = Workspace.locate(spec_file)
    service, envs = service_and_envs(ws, environment)
    env = envs[0]
    store = open_reconciled(ws)
    cur = store.current(service, env) if store else None
    if store is None or cur is None:
        if store:
            store.close()
        raise HealthCheckFailedError(f"{service}/{env} has no current release", hint="run `shipmate deploy`")
    try:
        rel = store.get_release(cur.release_id)
        from shipmate.ops.deploying_files import check_files, is_file_set

        if rel is not None and is_file_set(rel.target_kind):
            return check_files(ws, rel)
        serving = serving_rows(store, service, env)
        if rel is None or not serving:
            raise HealthCheckFailedError(f"{service}/{env}: current release has no instance",
                                         hint="run `shipmate deploy --force`")
        return check_levels(service, env, rel, serving, targets_by_kind(), level)
    finally:
        store.close()
