"""The MCP server: the SDK's MCPServer with shipmate's tools, policy before every call, audit after.

Policy and argument checks run here, before a tool's code, so a refused call executes nothing and is
audited as `mcp.refused`; every call that ran is audited as `mcp.call` with its outcome.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from typing import Any

import anyio.to_thread
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, InputRequiredResult, ToolAnnotations
from mcp_types import Tool as MCPTool
from pydantic import ValidationError

from shipmate import ops
from shipmate.errors import InvalidInputError, ShipmateError
from shipmate.mcp.callers import actor_of, headers_of
from shipmate.mcp.catalog import BY_NAME, HOST_ONLY, TOOLS, ToolInfo, audited
from shipmate.mcp.policy import ToolPolicy
from shipmate.mcp.results import bad_arguments, error_of, error_result
from shipmate.mcp.tools import ShipmateTools

SERVER_NAME = "shipmate"


class ShipmateServer(MCPServer):
    """tools/list shows only what the policy allows; tools/call checks the policy again, on every call."""

    def __init__(self, spec_file: str | None, policy: ToolPolicy, commands: Sequence[tuple[str, str]] = ()) -> None:
        from shipmate.mcp import resources
        from shipmate.mcp.guide import INSTRUCTIONS, build_guide

        super().__init__(SERVER_NAME, instructions=INSTRUCTIONS, version=_version(), log_level="WARNING")
        self.spec_file = spec_file
        self.policy = policy
        self.spec_path = ops.spec_path_of(spec_file)
        # Deployments started here name the MCP client (mcp:<name>), unless whoever started the server set
        # SHIPMATE_ACTOR. The engine reads the actor from the environment, so concurrent HTTP clients of one
        # server may be named after each other on a deployment row; the audit events are always exact.
        self.actor_given = bool(os.environ.get("SHIPMATE_ACTOR", "").strip())
        functions = ShipmateTools(spec_file, self.audit).functions()
        for info in TOOLS:
            self.add_tool(functions[info.name], name=info.name, description=info.description,
                          annotations=annotations_of(info), structured_output=False)
        self.guide = build_guide(tools=[info for info in TOOLS if policy.lists(info)], commands=commands)
        resources.register(self, self.spec_file, self.guide)

    async def list_tools(self) -> list[MCPTool]:
        return [tool for tool in await super().list_tools() if self.policy.lists(BY_NAME[tool.name])]

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
                        ) -> CallToolResult | InputRequiredResult:
        info = BY_NAME.get(name)
        if info is None:
            refusal: ShipmateError | None = _unknown(name)
            arguments = {key: "***" for key in arguments}     # an unknown tool's arguments may be anything
        else:
            refusal = self.policy.refusal(info, arguments, headers_of(context), self.spec_path)
            arguments = audited(info, arguments) if refusal is not None else arguments
        if refusal is not None:
            result = error_result(info.command if info else name[:80], refusal)
            await self.audit(name[:80], context, arguments, "refused", error_of(result))
            return result
        assert info is not None
        if not self.actor_given:
            os.environ["SHIPMATE_ACTOR"] = actor_of(context)
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:   # arguments that do not fit the input schema: nothing ran
            cause = exc.__cause__
            fields = sorted({".".join(str(p) for p in err["loc"]) for err in cause.errors()}) \
                if isinstance(cause, ValidationError) else []
            result = error_result(info.command, bad_arguments(name, fields))
            await self.audit(name, context, audited(info, arguments), "refused", error_of(result))
            return result

    async def audit(self, tool: str, ctx: Context | None, arguments: dict[str, Any], outcome: str,
                    error: dict[str, Any] | None) -> None:
        env = arguments["env"][:63] if isinstance(arguments.get("env"), str) else None
        with contextlib.suppress(ShipmateError):   # an unwritable store fails the call itself; a refusal stands
            await anyio.to_thread.run_sync(lambda: ops.record_call(
                self.spec_file, face="mcp", actor=actor_of(ctx), action=tool, arguments=dict(arguments),
                outcome=outcome, environment=env, error=error))


def _unknown(name: str) -> ShipmateError:
    from shipmate.mcp.policy import RefusedError

    if name in HOST_ONLY:
        return RefusedError(f"{name} is not offered over MCP", hint=HOST_ONLY[name])
    return InvalidInputError(f"unknown tool {name[:80]}", hint="tools/list names the tools")


def annotations_of(info: ToolInfo) -> ToolAnnotations:
    return ToolAnnotations(title=info.command, read_only_hint=info.read_only,
                           destructive_hint=None if info.read_only else info.destructive,
                           idempotent_hint=info.idempotent, open_world_hint=False)


def build_server(spec_file: str | None, policy: ToolPolicy | None = None,
                 commands: Sequence[tuple[str, str]] = ()) -> ShipmateServer:
    return ShipmateServer(spec_file, policy or ToolPolicy(), commands)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("shipmate")
    except PackageNotFoundError:
        return "0"


__all__ = ["ShipmateServer", "build_server"]
