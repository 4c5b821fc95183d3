"""init, validate, schema, down, recover, and the lock commands."""

from __future__ import annotations

import uuid
from typing import Any

from shipmate.errors import InvalidInputError, LockHeldError, NotFoundError, RollbackFailed
from shipmate.ops import approval_gate
from shipmate.ops.identity import Identity, cli_identity
from shipmate.ops.reconciling import reconcile_all
from shipmate.ops.workspace import Workspace, actor, resolve_environment


def init(spec_file: str | None, *, force: bool = False) -> dict[str, Any]:
    from shipmate.spec.example import example_yaml

    ws = Workspace.locate(spec_file)
    if ws.spec_path.exists() and not force:
        raise InvalidInputError(f"{ws.spec_path} already exists", hint="pass --force to overwrite it")
    ws.spec_path.write_text(example_yaml())
    return {"written": str(ws.spec_path)}


def validate(spec_file: str | None, *, environment: str | None = None,
             version: str | None = None) -> dict[str, Any]:
    from shipmate.ops.releases import config_from
    from shipmate.spec.loader import load_spec

    ws = Workspace.locate(spec_file)
    loaded = load_spec(ws.spec_path, environment=environment, version_override=version)
    config = config_from(loaded)
    return {"valid": True, "file": str(ws.spec_path), "service": config.service,
            "environment": config.environment, "strategy": config.strategy, "port": config.port,
            "replicas": config.replicas}


def schema() -> dict[str, Any]:
    from shipmate.spec.schema import json_schema

    return json_schema()


def down(spec_file: str | None, *, environment: str | None = None, dry_run: bool = False,
         identity: Identity | None = None, wait_approval: bool = True) -> dict[str, Any]:
    from shipmate.engine import runner
    from shipmate.engine.context import DeployContext
    from shipmate.engine.lease import Lease
    from shipmate.engine.recovery import stop_strays
    from shipmate.ops.serving import forget_home
    from shipmate.plan import down_plan
    from shipmate.release_config import ReleaseConfig
    from shipmate.spec.identity import read_identity

    ws = Workspace.locate(spec_file)
    service, declared = read_identity(ws.spec_path)
    env = resolve_environment(declared, environment)
    store = ws.open_store_readonly() if dry_run else ws.open_store()
    if store is None:
        raise NotFoundError(f"{service}/{env} has never been deployed", hint="nothing to take down")
    try:
        cur = store.current(service, env)
        if cur is None:
            return {"service": service, "environment": env, "noop": True, "message": "nothing is running"}
        rel = store.get_release(cur.release_id)
        assert rel is not None
        config = ReleaseConfig.from_dict(rel.spec)
        plan = down_plan(service, env, config.version, config.port, config.drain_s, config.stop_grace_s)
        if dry_run:
            return {"dry_run": True, "service": service, "environment": env, "plan": plan.as_dict()}
        approval = approval_gate.require(ws, store, service=service, environment=env, action="down", config=config,
                                         identity=identity or cli_identity(), wait=wait_approval)
        rt = ws.runtime(store)
        reconcile_all(rt)
        with Lease(store, f"{service}/{env}", rt.actor) as lease:
            dep = store.create_deployment(
                service=service, environment=env, release_id=rel.id, kind="down", strategy="down",
                plan=plan.as_dict(), previous_release_id=rel.id, trace_id=uuid.uuid4().hex,
                actor=rt.actor, fencing=lease.fencing)
            ctx = DeployContext(rt, lease, dep, plan, rel.id, config, None)
            runner.execute(ctx)
            stop_strays(rt)   # whatever of ours outlived its wrapper or its record: nothing is left running
        if not any(cur.service == service for cur in store.all_current()):
            forget_home(ws)   # nothing of this spec's service runs any more: `shipmate serve` need not watch it
        if approval is not None:
            store.link_approval(approval.id, dep.id)
        return {"service": service, "environment": env, "stopped_version": config.version,
                "deployment_id": dep.id}
    finally:
        store.close()


def recover(spec_file: str | None) -> dict[str, Any]:
    ws = Workspace.locate(spec_file)
    store = ws.open_store_readonly()
    if store is None:
        return {"recovered": []}
    store.close()
    store = ws.open_store()
    try:
        report = reconcile_all(ws.runtime(store))
    finally:
        store.close()
    failed = [r for r in report if str(r.get("outcome", "")).startswith("failed")]
    if failed:
        err = RollbackFailed(f"{len(failed)} interrupted deployment(s) could not be rolled back: "
                             + "; ".join(str(r["outcome"]) for r in failed),
                             hint="see `shipmate status` and `shipmate events`; fix and deploy, or "
                                  "`shipmate rollback --to VERSION`")
        err.details = {"recovered": report}
        raise err
    return {"recovered": report}


def lock_status(spec_file: str | None, *, environment: str | None = None) -> dict[str, Any]:
    """The locks of the spec's service, in all its environments (several specs may share one home),
    or in ``environment`` only (each environment has its own lock: "service/env").

    Without -f and without ./shipmate.yaml there is no service to pick: every lock of the home is listed.
    """
    from shipmate.spec.identity import read_identity

    ws = Workspace.locate(spec_file)
    service, key = None, None
    if spec_file is not None or ws.spec_path.exists() or environment is not None:
        service, declared = read_identity(ws.spec_path)
        key = None if environment is None else f"{service}/{resolve_environment(declared, environment)}"
    store = ws.open_store_readonly()
    if store is None:
        return {"service": service, "locks": []}
    try:
        rows = [row for row in store.locks() if (service is None or row.key.split("/", 1)[0] == service)
                and (key is None or row.key == key)]
        return {"service": service, "locks": [row.as_dict() for row in rows]}
    finally:
        store.close()


def lock_release(spec_file: str | None, *, environment: str | None = None, force: bool = False,
                 dry_run: bool = False) -> dict[str, Any]:
    from shipmate.spec.identity import read_identity

    ws = Workspace.locate(spec_file)
    service, declared = read_identity(ws.spec_path)
    key = f"{service}/{resolve_environment(declared, environment)}"
    store = ws.open_store_readonly() if dry_run else ws.open_store()
    if store is None:
        return {"key": key, "released": False, "message": "no lock"}
    try:
        row = next((r for r in store.locks() if r.key == key), None)
        if row is None or not (row.held or row.stalled):
            return {"key": key, "released": False, "message": "not held"}
        if row.held and row.owner_alive and not force:
            raise LockHeldError(f"{key} is held by a live process (pid {row.owner.get('pid')})",
                                hint="wait for it; or pass --force if you are sure it is stuck")
        if dry_run:
            return {"key": key, "dry_run": True, "would_release": row.as_dict()}
        store.force_release_lock(key, actor=actor())
        return {"key": key, "released": True, "previous_owner": row.owner}
    finally:
        store.close()

