"""verify (an inbox task's verification list): each entry run for real against what was just deployed.

mcp_tools: `probe mcp` on the release's MCP endpoint (health.levels.mcp, else /mcp) counts the tools;
probe_p95: GETs through the public port (the first http health check's path and status, else / and 200),
p95 of their latency; healthy_within: `check` (every configured level) until it passes or the time is up.
The task's rollback_conditions are judged here too: failed check rounds in a row, the monitor's error rate.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shipmate.errors import ShipmateError

if TYPE_CHECKING:
    from shipmate.release_config import ReleaseConfig
    from shipmate.spec.task_spec import DeploymentTaskSpec, VerificationSpec

CHECK_EVERY_S = 0.5


@dataclass(frozen=True)
class VerificationOutcome:
    results: list[dict[str, Any]]
    rollback_reason: str | None      # a rollback condition met (or a verification failed): roll back

    @property
    def passed(self) -> bool:
        return all(r["passed"] for r in self.results) and self.rollback_reason is None


def verify(spec_file: str | None, config: ReleaseConfig, task: DeploymentTaskSpec,
           deployed: Mapping[str, Any]) -> VerificationOutcome:
    results: list[dict[str, Any]] = []
    conditions = task.rollback_conditions
    reason: str | None = None
    verdict = deployed.get("verdict") or {}
    rate = verdict.get("error_rate")
    if conditions is not None and conditions.error_rate_threshold is not None and isinstance(rate, int | float):
        met = rate >= conditions.error_rate_threshold
        results.append({"check": "error_rate_threshold", "passed": not met, "error_rate": rate,
                        "threshold": conditions.error_rate_threshold,
                        "detail": f"monitor window error rate {rate:.2%} (rollback at "
                                  f"{conditions.error_rate_threshold:.2%})"})
        if met:
            reason = f"error rate {rate:.2%} >= the task's {conditions.error_rate_threshold:.2%}"
    for entry in task.verification:
        result = _run(spec_file, config, task, entry)
        results.append(result)
        if not result["passed"] and reason is None:
            reason = f"verification {result['check']} failed: {result['detail']}"
    return VerificationOutcome(results, reason)


def _run(spec_file: str | None, config: ReleaseConfig, task: DeploymentTaskSpec,
         entry: VerificationSpec) -> dict[str, Any]:
    started = time.monotonic()
    if entry.mcp_tools is not None:
        out = _mcp_tools(config, entry.mcp_tools.at_least)
    elif entry.probe_p95 is not None:
        out = _probe_p95(config, entry.probe_p95.below_ms, entry.probe_p95.samples, entry.probe_p95.path)
    else:
        assert entry.healthy_within is not None
        failures = task.rollback_conditions.health_check_failures if task.rollback_conditions else None
        out = _healthy_within(spec_file, config.environment, entry.healthy_within.seconds, failures)
    return {"check": entry.kind, **out, "duration_s": round(time.monotonic() - started, 3)}


def _mcp_tools(config: ReleaseConfig, at_least: int) -> dict[str, Any]:
    from shipmate.ops.probing import probe_mcp

    level = config.health.levels.get("mcp") or {}
    path = level.get("sse") or level.get("path") or "/mcp"
    url = f"http://127.0.0.1:{config.port}{path}"
    try:
        probed = probe_mcp(url, calls=3, timeout_s=10.0)
    except ShipmateError as exc:
        return {"passed": False, "url": url, "detail": f"MCP probe of {url} failed: {exc.message}"}
    count = int(probed["tools"])
    return {"passed": count >= at_least, "url": url, "tools": count, "at_least": at_least,
            "detail": f"{count} MCP tools at {url} (at least {at_least})"}


def _probe_p95(config: ReleaseConfig, below_ms: float, samples: int, path: str | None) -> dict[str, Any]:
    from shipmate.analysis.stats import summarize
    from shipmate.model import Phase
    from shipmate.probes.http import HttpProbe

    http = next((c["http"] for c in config.health.checks if "http" in c), None) or {}
    path = path or str(http.get("path") or "/")
    probe = HttpProbe("127.0.0.1", config.port, path, status=int(http.get("status", 200)), timeout=5.0)
    latencies: list[float] = []
    errors, first_error = 0, ""
    for _ in range(samples):
        seen = probe.run()
        latencies.append(seen.latency_ms)
        if seen.phase is not Phase.PASS:
            errors += 1
            first_error = first_error or seen.detail
    p95 = summarize(latencies).p95 or 0.0
    ok = errors == 0 and p95 < below_ms
    detail = f"p95 {p95:.1f} ms over {samples} GET {path} (below {below_ms:g} ms)"
    if errors:
        detail += f"; {errors} failed: {first_error}"
    return {"passed": ok, "p95_ms": round(p95, 2), "below_ms": below_ms, "samples": samples, "errors": errors,
            "detail": detail}


def _healthy_within(spec_file: str | None, environment: str, seconds: float,
                    max_failures: int | None) -> dict[str, Any]:
    from shipmate.ops.checking import check

    deadline = time.monotonic() + seconds
    rounds, in_a_row, last = 0, 0, ""
    while True:
        rounds += 1
        try:
            check(spec_file, environment=environment)
            return {"passed": True, "rounds": rounds, "seconds": seconds,
                    "detail": f"every configured health level passed (round {rounds}, within {seconds:g}s)"}
        except ShipmateError as exc:
            in_a_row += 1
            last = exc.message
        if max_failures is not None and in_a_row >= max_failures:
            return {"passed": False, "rounds": rounds, "seconds": seconds,
                    "detail": f"{in_a_row} failed check rounds in a row (the task's health_check_failures): {last}"}
        if time.monotonic() + CHECK_EVERY_S > deadline:
            return {"passed": False, "rounds": rounds, "seconds": seconds,
                    "detail": f"not healthy within {seconds:g}s: {last}"}
        time.sleep(CHECK_EVERY_S)
