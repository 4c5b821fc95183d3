"""POST routes that change something (scope deploy; down and lock release admin): deploy, rollback, promote
(202 + a deployment id, run on a worker thread), down, approve, reject, lock release, and the MCP probe.

Each call is an audit event naming the token's holder (`http.call`, outcome ok or error); the deployment it
starts names them as its actor. Refusals before that (no token, wrong scope, foreign Host or Origin) change
nothing at all, so a flood of them cannot grow a project's audit log.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.responses import JSONResponse

from shipmate import ops
from shipmate.errors import ShipmateError
from shipmate.web.api.params import (
    Accepted,
    ApprovalId,
    DecisionBody,
    DeployBody,
    EnvironmentBody,
    Home,
    LockReleaseBody,
    ProbeBody,
    PromoteBody,
    RejectBody,
    RollbackBody,
    Service,
)
from shipmate.web.api.read_routes import status_reads
from shipmate.web.api.responses import model, result
from shipmate.web.auth import Caller, needs, require_decider
from shipmate.web.jobs import Action, Jobs

Deployer = Annotated[Caller, Depends(needs("deploy"))]
Admin = Annotated[Caller, Depends(needs("admin"))]
LONG: dict[int | str, dict[str, Any]] = {
    202: {"model": Accepted, "description": "Started: follow `stream`, stop with `cancel`."}}


def _audited(ref: ops.ServiceRef, caller: Caller, action: str, arguments: dict[str, Any],
             run: Callable[[], Mapping[str, Any]], environment: str | None = None) -> Mapping[str, Any]:
    status_reads.forget()
    try:
        with ops.acting_as(caller.actor):
            out = run()
    except ShipmateError as exc:
        ops.record_call(ref.spec, face="http", actor=caller.actor, action=action, arguments=arguments,
                        outcome="error", environment=environment, error=exc.to_dict())
        raise
    ops.record_call(ref.spec, face="http", actor=caller.actor, action=action, arguments=arguments, outcome="ok",
                    environment=environment)
    return out


def action_routes(jobs: Jobs) -> APIRouter:
    router = APIRouter(tags=["act"])

    def long_running(ref: ops.ServiceRef, caller: Caller, action: str, arguments: dict[str, Any],
                     start: Action, environment: str | None) -> JSONResponse:
        status_reads.forget()
        job = jobs.start(ref, caller.actor, start)
        if job.deployment_id is None:   # ended before a deployment began: a refusal, a no-op, or bad input
            if job.error is not None:
                ops.record_call(ref.spec, face="http", actor=caller.actor, action=action, arguments=arguments,
                                outcome="error", environment=environment,
                                error=job.error.to_dict() if isinstance(job.error, ShipmateError) else None)
                raise job.error
            ops.record_call(ref.spec, face="http", actor=caller.actor, action=action, arguments=arguments,
                            outcome="ok", environment=environment)
            return result(job.result or {})
        ops.record_call(ref.spec, face="http", actor=caller.actor, action=action,
                        arguments={**arguments, "deployment_id": job.deployment_id}, outcome="ok",
                        environment=environment)
        base = f"/api/v1/deployments/{job.deployment_id}"
        return model(Accepted(deployment_id=job.deployment_id, trace_id=job.trace_id, home_id=ref.home_id,
                              stream=f"{base}/stream", events=f"{base}/events", cancel=f"{base}/cancel"), 202)

    @router.post("/services/{service}/deploy", status_code=202, responses=LONG, response_model=ops.NoChangeResult,
                 summary="As `shipmate deploy`: 202 with the deployment id; 200 when nothing changes")
    def deploy(service: Service, body: DeployBody, caller: Deployer, home: Home = None) -> JSONResponse:
        ref = ops.locate_service(service, home)
        return long_running(ref, caller, "deploy", body.model_dump(), lambda progress: ops.deploy(
            ref.spec, environment=body.environment, version=body.version, force=body.force, note=body.note,
            progress=progress, identity=caller.identity(), wait_approval=False), body.environment)

    @router.post("/services/{service}/rollback", status_code=202, responses=LONG,
                 response_model=ops.NoChangeResult, summary="As `shipmate rollback`")
    def rollback(service: Service, body: RollbackBody, caller: Deployer, home: Home = None) -> JSONResponse:
        ref = ops.locate_service(service, home)
        return long_running(ref, caller, "rollback", body.model_dump(), lambda progress: ops.rollback(
            ref.spec, environment=body.environment, to_version=body.to_version, force=body.force,
            progress=progress, identity=caller.identity(), wait_approval=False), body.environment)

    @router.post("/services/{service}/promote", status_code=202, responses=LONG,
                 response_model=ops.PromotionUnchanged, summary="As `shipmate promote`")
    def promote(service: Service, body: PromoteBody, caller: Deployer, home: Home = None) -> JSONResponse:
        ref = ops.locate_service(service, home)
        return long_running(ref, caller, "promote", body.model_dump(), lambda progress: ops.promote(
            ref.spec, from_env=body.from_env, to_env=body.to_env, version=body.version, progress=progress,
            identity=caller.identity(), wait_approval=False), body.to_env)

    @router.post("/services/{service}/down", response_model=ops.TakenDown, summary="As `shipmate down` (admin)")
    def down(service: Service, body: EnvironmentBody, caller: Admin, home: Home = None) -> JSONResponse:
        ref = ops.locate_service(service, home)
        return result(_audited(ref, caller, "down", body.model_dump(), lambda: ops.down(
            ref.spec, environment=body.environment, identity=caller.identity(), wait_approval=False),
            body.environment))

    @router.post("/services/{service}/approvals/{approval_id}/approve", response_model=ops.DecisionResult,
                 summary="As `shipmate approve`: a person's token only (agents request, people decide)")
    def approve(service: Service, approval_id: ApprovalId, body: DecisionBody, caller: Deployer,
                home: Home = None) -> JSONResponse:
        require_decider(caller)
        ref = ops.locate_service(service, home)
        return result(_audited(ref, caller, "approve", {"approval_id": approval_id, "comment": body.comment},
                               lambda: ops.approve(ref.spec, approval_id, identity=caller.identity(), code=body.code,
                                                   comment=body.comment)))

    @router.post("/services/{service}/approvals/{approval_id}/reject", response_model=ops.DecisionResult,
                 summary="As `shipmate reject`: a person's token only")
    def reject(service: Service, approval_id: ApprovalId, body: RejectBody, caller: Deployer,
               home: Home = None) -> JSONResponse:
        require_decider(caller)
        ref = ops.locate_service(service, home)
        return result(_audited(ref, caller, "reject", {"approval_id": approval_id, "reason": body.reason},
                               lambda: ops.reject(ref.spec, approval_id, reason=body.reason,
                                                  identity=caller.identity())))

    @router.post("/services/{service}/locks/release", response_model=ops.LockReleaseResult,
                 summary="As `shipmate lock release` (admin)")
    def lock_release(service: Service, body: LockReleaseBody, caller: Admin, home: Home = None) -> JSONResponse:
        ref = ops.locate_service(service, home)
        return result(_audited(ref, caller, "lock release", body.model_dump(), lambda: ops.lock_release(
            ref.spec, environment=body.environment, force=body.force), body.environment))

    @router.post("/probe/mcp", response_model=ops.McpProbeResult,
                 summary="As `shipmate probe mcp` (deploy scope: it reaches out to a target)")
    def probe(body: ProbeBody, caller: Deployer) -> JSONResponse:
        return result(ops.probe_mcp(body.target, calls=body.calls, tool=body.tool))

    return router
