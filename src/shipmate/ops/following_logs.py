"""`shipmate logs --follow`: the serving instances' new lines until interrupted, a later deploy's included.

Each tick re-reads which instances serve (stdlib sqlite3, like status): after a switch the new release's
instances are followed from their first line, and the replaced ones until they are stopped.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from shipmate.errors import NotFoundError
from shipmate.ops.common.workspace import Workspace, resolve_environment

if TYPE_CHECKING:
    from shipmate.store.rows import InstanceRow
    from shipmate.store.sqlite_reader import SqliteReader
    from shipmate.targets.base import LogFollower

Emit = Callable[[str, str], None]   # (instance id, line)
POLL_S = 0.2


def follow_logs(spec_file: str | None, *, emit: Emit, environment: str | None = None, lines: int = 100,
                deployment_id: str | None = None, poll_s: float = POLL_S,
                until: Callable[[], bool] = lambda: False) -> None:
    """Emit the last ``lines`` lines of each followed instance, then every new line, until KeyboardInterrupt
    (Ctrl-C, SIGTERM) or ``until()``."""
    from shipmate.engine.context import ref_of
    from shipmate.spec.service_names import read_service_names
    from shipmate.store.sqlite_reader import SqliteReader
    from shipmate.targets.registry import target_for

    ws = Workspace.locate(spec_file)
    service, declared = read_service_names(ws.spec_path)
    env = resolve_environment(declared, environment)
    reader = SqliteReader.open(ws.home)
    if reader is None:
        raise NotFoundError(f"{service}/{env} has never been deployed", hint="run `shipmate deploy` first")
    targets = functools.cache(target_for)   # one target per kind: each instance is asked by its own kind
    followed: dict[str, LogFollower] = {}
    try:
        rows = _followed_rows(reader, service, env, deployment_id)
        if not rows and deployment_id is None:
            rows = _last_instance(reader, service, env)
        if not rows:
            raise NotFoundError(f"no instance of {service}/{env} matches", hint="see `shipmate history`")
        for row in rows:   # the tail comes first from each follower: read from its own position, no gap
            followed[row.id] = targets(row.target_kind).follow_logs(ref_of(row).handle, tail=lines)
        while True:
            for instance_id, follower in followed.items():
                for line in follower.read_new():
                    emit(instance_id, line)
            if until():
                return
            time.sleep(poll_s)
            for row in _followed_rows(reader, service, env, deployment_id):   # a later deploy's, once it serves
                if row.id not in followed:
                    followed[row.id] = targets(row.target_kind).follow_logs(ref_of(row).handle, from_start=True)
            if deployment_id is None:   # a replaced or dead instance: its last lines, then no more
                live = {row.id for row in reader.instances(service, env, live_only=True)}
                for instance_id in [i for i in followed if i not in live]:
                    follower = followed.pop(instance_id)
                    for line in follower.read_new():
                        emit(instance_id, line)
                    follower.close()
    finally:
        for follower in followed.values():
            follower.close()
        reader.close()


def _followed_rows(reader: SqliteReader, service: str, env: str, deployment_id: str | None) -> list[InstanceRow]:
    """The current release's live instances, or every instance of one deployment."""
    if deployment_id is not None:
        return [r for r in reader.instances(service, env) if r.deployment_id == deployment_id]
    cur = reader.current(service, env)
    if cur is None:
        return []
    return [r for r in reader.instances(service, env, live_only=True) if r.release_id == cur.release_id]


def _last_instance(reader: SqliteReader, service: str, env: str) -> list[InstanceRow]:
    """Nothing serves: the last instance started, as `shipmate logs` shows it."""
    return reader.instances(service, env)[-1:]
