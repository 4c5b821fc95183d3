"""Rules on the MCP source: the new version's tools/list error rate (decisive once certain) and p95 latency."""

from __future__ import annotations

from collections.abc import Sequence

from shipmate.analysis.observations import McpSample
from shipmate.analysis.rules import Finding, Rules
from shipmate.analysis.stats import percentile
from shipmate.model import Phase


def mcp_findings(samples: Sequence[McpSample], rules: Rules, *, final: bool) -> list[Finding]:
    n = len(samples)
    errors = sum(1 for s in samples if not s.ok)
    last = next((s.detail for s in reversed(samples) if not s.ok), "")
    instances = max(1, len({s.instance_id for s in samples}))
    expected = rules.expected_ticks * instances
    enough = n >= min(rules.min_samples, expected)
    out: list[Finding] = []
    if rules.mcp_error_rate is not None:
        rate = errors / n if n else 0.0
        # More failures than the whole window may hold: no later sample can redeem it.
        certain = enough and errors > rules.mcp_error_rate * max(expected, n)
        if certain:
            phase = Phase.FAIL
        elif not final:
            phase = Phase.PASS
        elif not enough:
            phase = Phase.INCONCLUSIVE
        else:
            phase = Phase.FAIL if rate > rules.mcp_error_rate else Phase.PASS
        out.append(Finding("mcp", "error_rate", phase, rate if n else None, rules.mcp_error_rate, n,
                           f"{errors} of {n} tools/list failed" + (f" ({last})" if last else ""), decisive=certain))
    if rules.mcp_p95_ms is not None and final:
        latencies = [s.latency_ms for s in samples if s.ok]
        observed = percentile(latencies, 95) if latencies else None
        if len(latencies) < min(rules.min_samples, expected):
            out.append(Finding("mcp", "p95_ms", Phase.INCONCLUSIVE, observed, rules.mcp_p95_ms, len(latencies)))
        else:
            over = observed is not None and observed > rules.mcp_p95_ms
            out.append(Finding("mcp", "p95_ms", Phase.FAIL if over else Phase.PASS, observed, rules.mcp_p95_ms,
                               len(latencies)))
    return out


def mcp_evidence(samples: Sequence[McpSample]) -> dict[str, object]:
    """Per version: samples, errors, p95 of the successful ones, and the last error."""
    out: dict[str, object] = {}
    for version in sorted({s.version for s in samples}):
        seen = [s for s in samples if s.version == version]
        ok = [s.latency_ms for s in seen if s.ok]
        last = next((s.detail for s in reversed(seen) if not s.ok), "")
        out[version] = {"samples": len(seen), "errors": len(seen) - len(ok),
                        "p95_ms": round(percentile(ok, 95), 2) if ok else None, "last_error": last}
    return out
