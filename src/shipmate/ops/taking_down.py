"""down: stop the current release of a service (approval-gated, through the engine and its lease)."""

from __future__ import annotations

import uuid

from shipmate.errors import NotFoundError
from shipmate.ops.common.identity import Identity, cli_identity
from shipmate.ops.common.reconciling import reconcile_all
from shipmate.ops.common.workspace import Workspace, resolve_environment
from shipmate.ops.gates import approval as approval_gate
from shipmate.ops.results.files import FilesResult
from shipmate.ops.results.instances import DownPlan, NothingRunning, TakenDown


def down(spec_file: str | None, *, environment: str | None = None, dry_run: bool = False,
         identity: Identity | None = None, wait_approval: bool = True
         ) -> TakenDown | NothingRunning | DownPlan | FilesResult:
    from shipmate.engine import runner
    from shipmate.engine.context import DeployContext
    from shipmate.engine.lease import Lease
    from shipmate.engine.recovery import stop_strays
    from shipmate.ops.serving import forget_home
    from shipmate.plan import down_plan
    from shipmate.release_config import ReleaseConfig
    from shipmate.spec.service_names import read_service_names

    ws = Workspace.locate(spec_file)
    service, declared = read_service_names(ws.spec_path)
    env = resolve_environment(declared, environment)
    store = ws.open_store_readonly() if dry_run else ws.open_store()
    if store is None:
        raise NotFoundError(f"{service}/{env} has never been deployed", hint="nothing to take down")
    try:
        cur = store.current(service, env)
        if cur is None:
            return NothingRunning(service, env, noop=True, message="nothing is running")
        rel = store.get_release(cur.release_id)
        assert rel is not None
        config = ReleaseConfig.from_dict(rel.spec)
        from shipmate.ops.deploying_files import down_files, is_file_set

        if is_file_set(config.target_kind):
            store.close()
            return down_files(ws, config, dry_run=dry_run, identity=identity, wait_approval=wait_approval)
        plan = down_plan(service, env, config.version, config.port, config.drain_s, config.stop_grace_s)
        if dry_run:
            return DownPlan(dry_run=True, service=service, environment=env, plan=plan.as_dict())
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
        return TakenDown(service=service, environment=env, stopped_version=config.version, deployment_id=dep.id)
    finally:
        store.close()


