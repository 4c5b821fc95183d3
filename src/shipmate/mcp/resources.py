"""Resources (service status, a deployment by id, the agent guide) and prompts (deploy, emergency rollback,
troubleshooting). Each reads through ops, like the tools; the guide is generated (guide.py).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from mcp.server.mcpserver.exceptions import ResourceError

from shipmate import ops
from shipmate.errors import ShipmateError

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

GUIDE_URI = "shipmate://guide"
STATUS_URI = "shipmate://status"
DEPLOYMENT_URI = "shipmate://deployments/{deployment_id}"


def deployment_record(spec_file: str | None, deployment_id: str) -> dict[str, Any]:
    """The deployment's history row and its events (both what `history` and `events --deployment` print)."""
    from shipmate.errors import NotFoundError

    rows = [row for row in ops.history(spec_file, limit=1000)["deployments"] if row["deployment_id"] == deployment_id]
    if not rows:
        raise NotFoundError(f"no deployment {deployment_id[:80]}", hint="the history tool lists deployment ids")
    found = ops.events(spec_file, limit=1000, deployment_id=deployment_id)["events"]
    return {"deployment": rows[0], "events": found}


def register(server: MCPServer, spec_file: str | None, guide_text: str) -> None:

    async def read(call: Any) -> str:
        try:
            result = await anyio.to_thread.run_sync(call)
        except ShipmateError as exc:
            raise ResourceError(json.dumps(exc.to_dict())) from exc
        return json.dumps(ops.as_json(result), default=str)

    @server.resource(GUIDE_URI, name="guide", description="The agent guide: workflows, exit codes, tools, safety.",
                     mime_type="text/markdown")
    def guide() -> str:
        return guide_text

    @server.resource(STATUS_URI, name="status", description="The status tool's object.", mime_type="application/json")
    async def status() -> str:
        return await read(lambda: ops.status(spec_file))

    @server.resource(DEPLOYMENT_URI, name="deployment", description="One deployment and its events.",
                     mime_type="application/json")
    async def deployment(deployment_id: str) -> str:
        return await read(lambda: deployment_record(spec_file, deployment_id))

    @server.prompt("deploy", description="Deploy the spec's release safely.")
    def deploy_prompt(env: str = "") -> str:
        where = f" to environment {env}" if env else ""
        return (f"Deploy this service{where} with shipmate. Call status, then deploy with dry_run true and read "
                "the plan, then deploy. If it fails with exit_code 1 it already rolled back: read logs and events "
                "with its deployment id and report the cause. Never retry a refused (exit 6) call.")

    @server.prompt("emergency_rollback", description="Put the last verified release back now.")
    def rollback_prompt(env: str = "") -> str:
        where = f" in environment {env}" if env else ""
        return (f"The service{where} is failing. Call status, then rollback (to_version only if history shows a "
                "better verified release), then check. Report the version now serving and the rollback's "
                "deployment id. If exit_code is 5 a person must look: stop and say so.")

    @server.prompt("troubleshoot", description="Find why the service is unhealthy.")
    def troubleshoot_prompt(env: str = "") -> str:
        where = f" in environment {env}" if env else ""
        return (f"Find why the service{where} is unhealthy, changing nothing: call status, check, logs, events "
                "and history; lock_status if a deployment is locked (exit 4). Report the failing check, the "
                "evidence, and the hint shipmate gave.")
