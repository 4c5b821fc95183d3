"""Level 4 as a probe: connect to one instance's MCP endpoint, list every tool, hold the configured needs.

It keeps the last listing's facts (hash, names, per-tool hashes), so the engine can store them on the release
and compare them with the current release's. ``settled`` says a failure waiting cannot fix (a tool is missing
from a server that answered), so a deploy fails at once instead of at its deadline.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shipmate.analysis.health_levels import LevelResult, SchemaChange, facts_of, judge_mcp
from shipmate.model import Phase, ProbeResult
from shipmate.probes.base import Stopwatch, failed, passed
from shipmate.probes.mcp import McpProbeError, McpTarget
from shipmate.probes.mcp_calls import list_tools


def endpoint_url(config: Mapping[str, Any], host: str, port: int) -> tuple[str, str]:
    """(transport, URL) of a level's endpoint on host:port: legacy SSE when ``sse`` is set, else ``path``."""
    if config.get("sse"):
        return "sse", f"http://{host}:{port}{config['sse']}"
    return "http", f"http://{host}:{port}{config.get('path') or '/mcp'}"


class McpListProbe:
    def __init__(self, config: Mapping[str, Any], host: str, port: int, *, timeout: float | None = None) -> None:
        self.config = dict(config)
        kind, self.url = endpoint_url(config, host, port)
        self.target = McpTarget(kind="sse" if kind == "sse" else "http", url=self.url)
        self.timeout = float(timeout if timeout is not None else config.get("timeout", 5.0))
        self.name = f"mcp {self.url}"
        self.facts: dict[str, Any] | None = None
        self.level: LevelResult | None = None
        self.settled = False
        self.list_ms = 0.0

    def look(self, change: SchemaChange | None = None) -> LevelResult:
        """One connect + tools/list, judged (``change``: the comparison with the current release, if known)."""
        self.facts, self.settled = None, False
        try:
            listing = list_tools(self.target, timeout_s=self.timeout)
        except McpProbeError as exc:
            self.level = judge_mcp(self.config, self.url, error=(exc.message, exc.cause, exc.hint))
            return self.level
        self.list_ms = listing.connect_ms + listing.list_ms
        self.facts = facts_of(listing.tools, listing.schema_hash)
        self.level = judge_mcp(self.config, self.url, facts=self.facts, change=change, list_ms=self.list_ms)
        self.settled = self.level.phase is not Phase.PASS   # it answered: waiting will not add a tool
        return self.level

    def run(self) -> ProbeResult:
        watch = Stopwatch()
        level = self.look()
        if level.phase is Phase.PASS:
            return passed(self.name, watch, level.evidence.excerpt)
        return failed(self.name, watch, level.evidence.excerpt)
