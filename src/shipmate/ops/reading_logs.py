"""logs: the last lines of the serving instances (or of one deployment's)."""

from __future__ import annotations

from shipmate.errors import NotFoundError
from shipmate.ops.common.reading import (
    service_and_envs,
    serving_rows,
    targets_by_kind,
)
from shipmate.ops.common.workspace import Workspace
from shipmate.ops.results.instances import InstanceLog, LogsResult


def logs(spec_file: str | None, *, environment: str | None = None, lines: int = 100,
         deployment_id: str | None = None) -> LogsResult:
    from shipmate.engine.context import ref_of

    ws = Workspace.locate(spec_file)
    service, envs = service_and_envs(ws, environment)
    env = envs[0]
    store = ws.open_store_readonly()
    if store is None:
        raise NotFoundError(f"{service}/{env} has never been deployed", hint="run `shipmate deploy` first")
    try:
        rows = store.instances(service, env)
        if deployment_id is not None:
            rows = [r for r in rows if r.deployment_id == deployment_id]
        else:
            rows = serving_rows(store, service, env) or rows[-1:]
        if not rows:
            from shipmate.ops.deploying_files import is_file_set, release_kind

            if is_file_set(release_kind(store, service, env) or ""):
                raise NotFoundError(f"{service}/{env} is a files target: it runs no instances, so there are no logs",
                                    hint="`shipmate history` and `shipmate events` show what each release wrote")
            raise NotFoundError(f"no instance of {service}/{env} matches", hint="see `shipmate history`")
        targets = targets_by_kind()
        return LogsResult(service, env, [
            InstanceLog(r.instance_id, r.status, r.log_path, targets(r.target_kind).read_logs(ref_of(r).handle, lines))
            for r in rows])
    finally:
        store.close()
