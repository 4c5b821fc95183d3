"""What this server lets an agent do. Decided here, on the server, from its own flags: never from a tool's
annotations or from anything the caller sends (a `confirm: true` is just ignored).

Protected environments are not refused here: their deploy, rollback and down go through the approval gate
in ops (identity mcp:<client>, never a person), which answers exit 6 with the pending approval's id.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shipmate.errors import InvalidInputError, ShipmateError
from shipmate.mcp.catalog import ToolInfo


class RefusedError(InvalidInputError):
    """A call this server's policy does not allow (read-only, no-destructive, token)."""

    code = "refused"


@dataclass(frozen=True)
class ToolPolicy:
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
        return None


def _bearer_ok(headers: Mapping[str, str] | None, token: str) -> bool:
    if headers is None:
        return False
    given = headers.get("authorization") or headers.get("Authorization") or ""
    scheme, _, value = given.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), token.encode())
