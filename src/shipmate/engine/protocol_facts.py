"""Level 4's verdict across releases: the new release's MCP tools against the current release's stored facts.

Run once all new instances passed levels 1-4 and before the switch: a tool removed or an input schema changed
is a warning (default) or a failure that rolls back before any traffic moves (`schema_change: fail`). When the
level passes, its facts (schema hash, tool names, per-tool hashes) are stored on the release.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shipmate.analysis.health_levels import LevelResult, judge_mcp, schema_change
from shipmate.engine.context import DeployContext, ref_of
from shipmate.model import Phase
from shipmate.probes.mcp_level import McpListProbe

if TYPE_CHECKING:
    from shipmate.store.rows import InstanceRow


@dataclass(frozen=True)
class ProtocolVerdict:
    level: LevelResult | None          # None: no mcp level configured
    warning: str | None = None

    @property
    def failed(self) -> bool:
        return self.level is not None and self.level.phase is not Phase.PASS


def judge_release(ctx: DeployContext, rows: Sequence[InstanceRow]) -> ProtocolVerdict:
    """List the tools on one proven instance, compare with the current release's facts, store them on a pass."""
    mcp = ctx.config.health.levels.get("mcp")
    if not mcp or not rows:
        return ProtocolVerdict(None)
    ref = ref_of(rows[0])
    probe = McpListProbe(mcp, ref.host, ref.port)
    first = probe.look()
    if first.phase is not Phase.PASS or probe.facts is None:
        return ProtocolVerdict(first)
    change = None
    if ctx.previous is not None and ctx.deployment.kind == "deploy":   # a rollback is never refused for it
        stored = ctx.rt.store.get_release(ctx.previous.release_id)
        if stored is not None:
            change = schema_change(stored.facts, probe.facts, since=ctx.previous.config.version)
    level = judge_mcp(mcp, probe.url, facts=probe.facts, change=change, list_ms=probe.list_ms)
    if level.phase is Phase.PASS:
        ctx.rt.store.set_release_facts(ctx.release_id, probe.facts)
    return ProtocolVerdict(level, level.warnings[0] if level.warnings else None)
