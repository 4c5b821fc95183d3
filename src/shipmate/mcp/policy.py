"""What this server lets an agent do. Decided here, on the server, from its own flags and the spec:
never from a tool's annotations or from anything the caller sends (a `confirm: true` is just ignored).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shipmate.errors import ApprovalRequired, InvalidInputError, ShipmateError
from shipmate.mcp.catalog import ToolInfo

PROTECTED_TOOLS = frozenset({"deploy", "rollback", "down"})


class RefusedError(InvalidInputError):
    """A call this server's policy does not allow (read-only, no-destructive, token)."""

    code = "refused"


@dataclass(frozen=True)
class Policy:
    read_only: bool = False
    no_destructive: bool = False
    token: str | None = None   # set when serving HTTP: every mutating call must carry it as a bearer token

    def lists(self, tool: ToolInfo) -> bool:
        """Whether tools/list shows ``tool`` at all."""
        if self.read_only and not tool.read_only:
            return False
        return not (self.no_destructive and tool.destructive)

    def refusal(self, tool: ToolInfo, arguments: Mapping[str, Any], headers: Mapping[str, str] | None,
                spec_path: Path) -> ShipmateError | None:
        """Why this call may not run, or None. Checked before the tool's own code runs."""
        if self.read_only and not tool.read_only:
            return RefusedError(f"{tool.name} changes state and this server is read-only",
                                hint="use the read tools; a person runs it, or restarts `shipmate mcp` without "
                                     "--read-only")
        if self.no_destructive and tool.destructive:
            return RefusedError(f"{tool.name} is destructive and this server runs with --no-destructive",
                                hint="a person runs it from the CLI")
        if self.token is not None and not tool.read_only and not _bearer_ok(headers, self.token):
            return RefusedError(f"{tool.name} changes state: it needs the server's bearer token over HTTP",
                                hint="send `Authorization: Bearer <token>` (SHIPMATE_MCP_TOKEN or the "
                                     "token file `shipmate mcp --http` printed)")
        if tool.name in PROTECTED_TOOLS and not arguments.get("dry_run"):
            env = protected_environment(spec_path, arguments.get("env"))
            if env is not None:
                return ApprovalRequired(f"environment {env} is protected: {tool.name} through MCP needs a "
                                        "person's approval, and approvals are not available yet",
                                        hint=f"dry_run works; a person runs `shipmate {tool.name} --env {env}` "
                                             "from the CLI")
        return None


def _bearer_ok(headers: Mapping[str, str] | None, token: str) -> bool:
    if headers is None:
        return False
    given = headers.get("authorization") or headers.get("Authorization") or ""
    scheme, _, value = given.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), token.encode())


def protected_environment(spec_path: Path, requested: Any) -> str | None:
    """The environment's name if the spec marks it `protected: true` (raw read: works on any valid YAML)."""
    from shipmate.spec.yaml_source import load_mapping

    try:
        data, _ = load_mapping(spec_path)
    except ShipmateError:
        return None   # the tool fails with the spec's own error, before it changes anything
    environments = data.get("environments")
    if not isinstance(environments, dict) or not environments:
        return None
    name = requested if isinstance(requested, str) and requested else next(iter(environments))
    overlay = environments.get(name)
    return str(name) if isinstance(overlay, dict) and overlay.get("protected") is True else None
