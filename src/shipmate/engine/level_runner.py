"""Run the health levels of a live release in order (what `shipmate check` does), stopping at the first failure.

Levels 1-3 reuse the deploy gate's probes (grouped by level) plus the public port; level 4 lists the MCP tools
of every instance and compares them with what was stored on the release at deploy time; level 5 runs the smoke
test through the public port. Judging is in analysis/health_levels.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from shipmate.analysis.health_levels import LevelResult, configured, judge_mcp, judge_probes, schema_change
from shipmate.engine import probe_set
from shipmate.engine.context import ref_of
from shipmate.model import Phase, ProbeResult
from shipmate.probes.mcp_level import McpListProbe
from shipmate.probes.smoke import run_smoke
from shipmate.probes.tcp import TcpProbe
from shipmate.release_config import ReleaseConfig

if TYPE_CHECKING:
    from shipmate.probes.base import Probe
    from shipmate.store.rows import InstanceRow
    from shipmate.targets.base import Target

HOST = "127.0.0.1"


def levels_of(config: ReleaseConfig) -> list[int]:
    from shipmate.targets.registry import capabilities_of

    found = capabilities_of(config.target_kind)
    return configured(config.health.levels, config.health.checks,
                      docker_health=found is not None and found.engine_health_check)


def run_levels(config: ReleaseConfig, targets: Callable[[str], Target], rows: Sequence[InstanceRow], *,
               upto: int | None = None, facts: Mapping[str, Any] | None = None, version: str = ""
               ) -> list[LevelResult]:
    """Levels 1..upto (all configured when None) on every instance; stops at the first that does not pass."""
    results: list[LevelResult] = []
    for level in levels_of(config):
        if upto is not None and level > upto:
            break
        if level <= 3:
            result = judge_probes(level, _probe_level(config, targets, rows, level))
        elif level == 4:
            result = _protocol(config, rows, facts or {}, version)
        else:
            result = run_smoke(config.health.levels["smoke"], config.health.levels.get("mcp") or {},
                               HOST, config.port, cwd=config.cwd, env=config.env)
        results.append(result)
        if result.phase is not Phase.PASS:
            break
    return results


def _probe_level(config: ReleaseConfig, targets: Callable[[str], Target], rows: Sequence[InstanceRow],
                 level: int) -> list[ProbeResult]:
    timeout = config.health.timeout_s
    results: list[ProbeResult] = []
    for row in rows:
        ref = ref_of(row)
        probes: list[Probe] = [p for lvl, p in probe_set.leveled_probes(config, targets(row.target_kind), ref)
                               if lvl == level]
        if level == 2 and not any(isinstance(p, TcpProbe) for p in probes):
            probes.append(TcpProbe(ref.host, ref.port, timeout))   # derived: every instance accepts connections
        results += [probe.run() for probe in probes]
    if level == 2:
        results.append(TcpProbe(HOST, config.port, timeout, name=f"public tcp :{config.port}").run())
    if level == 3 and config.monitor.path is not None:
        results.append(probe_set.public_probe(config, timeout).run())
    return results


def _protocol(config: ReleaseConfig, rows: Sequence[InstanceRow], facts: Mapping[str, Any], version: str
              ) -> LevelResult:
    """Every instance lists its tools; a drift from the facts stored at deploy time is reported like a deploy's."""
    mcp = config.health.levels["mcp"]
    passed: list[LevelResult] = []
    for row in rows:
        ref = ref_of(row)
        probe = McpListProbe(mcp, ref.host, ref.port)
        level = probe.look()
        if level.phase is Phase.PASS and probe.facts is not None:
            change = schema_change(facts, probe.facts, since=f"{version} was deployed" if version else "")
            level = judge_mcp(mcp, probe.url, facts=probe.facts, change=change, list_ms=probe.list_ms)
        if level.phase is not Phase.PASS:
            return level
        passed.append(level)
    if not passed:
        return judge_mcp(mcp, "the release", error=("no live instance to ask", "", None))
    last = passed[-1]
    rows_seen = tuple(c for r in passed for c in r.checks)
    warnings = tuple(w for r in passed for w in r.warnings)
    return LevelResult(last.level, last.name, last.phase, last.evidence, None, rows_seen, warnings[:1])
