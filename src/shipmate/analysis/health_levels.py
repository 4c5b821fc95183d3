"""The health hierarchy judged as data: what each level saw in, one LevelResult per level out. Pure.

The probes (engine/level_probes.py) do the I/O; here a level passes or fails with its evidence (status,
excerpt, cause) and a hint, tool sets are compared between releases, and smoke answers are matched.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from shipmate.analysis.json_paths import MISSING, dotted
from shipmate.model import Phase, ProbeResult

LEVEL_NAMES = {1: "instance", 2: "endpoint", 3: "application", 4: "protocol", 5: "smoke"}
CHECK_LEVEL = {"process": 1, "tcp": 2, "http": 3, "command": 3}
HINTS = {
    1: "the instance is not running: `shipmate logs` shows its last output",
    2: "nothing accepts connections on the port: does the app listen on 127.0.0.1:$PORT?",
    3: "the app answers but its health check does not pass: `shipmate logs` shows why",
    4: "check health.levels.mcp (path, required_tools, min_tools) against what the server lists: "
       "`shipmate probe mcp http://127.0.0.1:PORT/mcp`",
    5: "the smoke test failed: run it by hand against the instance, see `shipmate logs`",
}
EXCERPT = 300


@dataclass(frozen=True)
class Evidence:
    status: str = ""         # e.g. "exit 2", "HTTP 500", "refused", "isError"
    excerpt: str = ""        # what was seen, clipped
    cause: str = ""          # the first real error, when there was one

    def as_dict(self) -> dict[str, str]:
        return {"status": self.status, "excerpt": self.excerpt, "cause": self.cause}


@dataclass(frozen=True)
class LevelResult:
    level: int
    name: str
    phase: Phase
    evidence: Evidence = field(default_factory=Evidence)
    hint: str | None = None
    checks: tuple[dict[str, Any], ...] = ()     # each probe run for this level
    warnings: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"level": self.level, "name": self.name, "phase": self.phase.value,
                "evidence": self.evidence.as_dict(), "hint": self.hint, "checks": list(self.checks),
                "warnings": list(self.warnings)}

    def describe(self) -> str:
        """"level 4 (protocol) failed: ..." — the words every face shows."""
        ev = self.evidence
        what = ev.excerpt or ev.status or self.phase.value
        extra = [f"status {ev.status}"] if ev.status and ev.status not in what else []
        extra += [f"cause {ev.cause}"] if ev.cause and ev.cause not in what else []
        return f"level {self.level} ({self.name}) {self.phase.value}: {what}" + (f" ({'; '.join(extra)})"
                                                                                    if extra else "")


def configured(levels: Mapping[str, Any], checks: Sequence[Mapping[str, Any]], *, docker_health: bool = False
               ) -> list[int]:
    """The levels that run: 1 always; 2 and 3 unless switched off (3 only with something to check); 4 and 5
    when configured."""
    out = [1]
    if levels.get("endpoint", True):
        out.append(2)
    app_checks = any(CHECK_LEVEL.get(next(iter(c), ""), 0) == 3 for c in checks)
    if levels.get("application", True) and (app_checks or docker_health):
        out.append(3)
    if levels.get("mcp"):
        out.append(4)
    if levels.get("smoke"):
        out.append(5)
    return out


def clip(text: str, limit: int = EXCERPT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def probe_row(result: ProbeResult) -> dict[str, Any]:
    return {"probe": result.probe, "phase": result.phase.value, "latency_ms": round(result.latency_ms, 2),
            "detail": result.detail}


def judge_probes(level: int, results: Sequence[ProbeResult]) -> LevelResult:
    """A probe level passes when every probe passed; the first failure is the evidence."""
    rows = tuple(probe_row(r) for r in results)
    bad = next((r for r in results if r.phase is not Phase.PASS), None)
    if bad is None:
        shown = "; ".join(f"{r.probe}: {r.detail}" if r.detail else r.probe for r in results)
        return LevelResult(level, LEVEL_NAMES[level], Phase.PASS, Evidence("ok", clip(shown)), None, rows)
    return LevelResult(level, LEVEL_NAMES[level], bad.phase, Evidence(_status_of(bad.detail),
                       clip(f"{bad.probe}: {bad.detail}"), bad.probe), HINTS[level], rows)


def _status_of(detail: str) -> str:
    """The telling part of a probe's detail: "-> 500" becomes "HTTP 500", "exit 2", "refused"..."""
    if "->" in detail:
        return "HTTP " + detail.split("->", 1)[1].strip().split()[0].rstrip(":")
    for word in ("exit", "refused", "timed out", "not running", "unhealthy", "starting", "not found"):
        if word in detail:
            return detail[detail.index(word):].split(":")[0][:40] if word == "exit" else word
    return "fail"


# -- level 4: MCP tools ---------------------------------------------------------------------------

def tool_hash(schema: Any) -> str:
    blob = json.dumps(schema or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return "sha256:" + hashlib.sha256(blob.encode()).hexdigest()[:16]


def facts_of(tools: Sequence[Mapping[str, Any]], schema_hash: str) -> dict[str, Any]:
    """What is stored on the release: the whole hash, the names, and one hash per tool's input schema."""
    return {"mcp_schema_hash": schema_hash, "mcp_tools": sorted(str(t["name"]) for t in tools),
            "mcp_tool_hashes": {str(t["name"]): tool_hash(t.get("input_schema")) for t in tools}}


@dataclass(frozen=True)
class SchemaChange:
    """Tools removed, tools whose input schema changed, tools added, since a stored release."""

    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    since: str = ""

    @property
    def breaking(self) -> bool:
        return bool(self.removed or self.changed)

    def describe(self) -> str:
        parts = [f"{label} {', '.join(names)}" for label, names in
                 (("removed", self.removed), ("input schema changed", self.changed)) if names]
        return f"MCP tools changed since {self.since or 'the current release'}: " + "; ".join(parts)


def schema_change(old: Mapping[str, Any], new: Mapping[str, Any], since: str = "") -> SchemaChange | None:
    """None when there is nothing to compare with (no facts stored), or nothing changed."""
    if not old.get("mcp_schema_hash") or old.get("mcp_schema_hash") == new.get("mcp_schema_hash"):
        return None
    old_tools = dict(old.get("mcp_tool_hashes") or {name: "" for name in old.get("mcp_tools") or ()})
    new_tools = dict(new.get("mcp_tool_hashes") or {})
    removed = tuple(sorted(set(old_tools) - set(new_tools)))
    added = tuple(sorted(set(new_tools) - set(old_tools)))
    changed = tuple(sorted(n for n in set(old_tools) & set(new_tools) if old_tools[n] and old_tools[n] != new_tools[n]))
    if not (removed or added or changed) and not old.get("mcp_tool_hashes"):
        changed = ("(unknown: the stored release has no per-tool hashes)",)
    return SchemaChange(removed, changed, added, since)


def judge_mcp(config: Mapping[str, Any], where: str, *, facts: Mapping[str, Any] | None = None,
              error: tuple[str, str, str | None] | None = None, change: SchemaChange | None = None,
              list_ms: float = 0.0) -> LevelResult:
    """Level 4 from a listing (its facts) or an error (message, cause, hint), against the configured needs."""
    name = LEVEL_NAMES[4]
    if error is not None or facts is None:
        message, cause, hint = error or ("no listing", "", None)
        return LevelResult(4, name, Phase.FAIL, Evidence("unreachable" if "nothing answers" in message else "error",
                           clip(f"{where}: {message}"), cause), hint or HINTS[4])
    names = list(facts.get("mcp_tools") or ())
    seen = f"{where}: {len(names)} tools ({', '.join(names[:10])}{', ...' if len(names) > 10 else ''})"
    missing = [t for t in config.get("required_tools") or () if t not in names]
    row = ({"probe": f"mcp {where}", "phase": "pass", "latency_ms": round(list_ms, 2),
            "detail": f"{len(names)} tools, {facts.get('mcp_schema_hash', '')}"},)
    if missing:
        return LevelResult(4, name, Phase.FAIL, Evidence("missing tools", clip(f"{seen}; required tool missing: "
                           f"{', '.join(missing)}"), "required_tools"), HINTS[4], row)
    least = int(config.get("min_tools") or 0)
    if len(names) < least:
        return LevelResult(4, name, Phase.FAIL, Evidence("too few tools", clip(f"{seen}; min_tools is {least}"),
                           "min_tools"), HINTS[4], row)
    if change is not None and change.breaking and config.get("schema_change", "warn") == "fail":
        return LevelResult(4, name, Phase.FAIL, Evidence("schema changed", clip(change.describe()), "schema_change"),
                           "a client built against the current tools would break; set health.levels.mcp."
                           "schema_change: warn to allow it", row)
    warnings = (change.describe(),) if change is not None and change.breaking else ()
    return LevelResult(4, name, Phase.PASS, Evidence("ok", clip(f"{seen}; {facts.get('mcp_schema_hash', '')}")),
                       None, row, warnings)


# -- level 5: smoke answers -----------------------------------------------------------------------

def expect_problem(expect: Mapping[str, Any], document: Any) -> str | None:
    """None when every dotted key equals its value, else a short reason."""
    for key, wanted in expect.items():
        got = dotted(document, key)
        if got is MISSING:
            return f"no {key!r} in the answer"
        if got != wanted:
            return f"{key}={got!r}, expected {wanted!r}"
    return None


def call_problem(expect: Mapping[str, Any], is_error: bool, structured: Any, text: str) -> str | None:
    """An MCP tools/call answer against ``expect``: is_error/isError, and dotted paths into the structured result
    (or into the text content parsed as JSON when there is no structured result)."""
    rest = dict(expect)
    for key in ("is_error", "isError"):
        if key in rest and bool(rest.pop(key)) != is_error:
            return f"isError is {str(is_error).lower()}: {clip(text, 200)}"
    if not rest:
        return None
    document = structured
    if document is None:
        try:
            document = json.loads(text)
        except ValueError:
            document = {"result": text}
    return expect_problem(rest, document)


def http_step_problem(step: Mapping[str, Any], status: int, body: str) -> str | None:
    if status != int(step.get("expect_status", 200)):
        return f"status {status}, expected {step.get('expect_status', 200)}: {clip(body, 200)}"
    expect = step.get("expect_json")
    if not expect:
        return None
    try:
        document = json.loads(body)
    except ValueError:
        return f"body is not JSON: {clip(body, 200)}"
    return expect_problem(expect, document)


def smoke_result(problem: str | None, what: str, *, status: str = "", cause: str = "", latency_ms: float = 0.0
                 ) -> LevelResult:
    row = ({"probe": f"smoke {what}", "phase": "fail" if problem else "pass", "latency_ms": round(latency_ms, 2),
            "detail": problem or "ok"},)
    if problem is None:
        return LevelResult(5, LEVEL_NAMES[5], Phase.PASS, Evidence("ok", clip(what)), None, row)
    return LevelResult(5, LEVEL_NAMES[5], Phase.FAIL, Evidence(status or "fail", clip(f"{what}: {problem}"), cause),
                       HINTS[5], row)


def first_failure(results: Sequence[LevelResult]) -> LevelResult | None:
    return next((r for r in results if r.phase is not Phase.PASS), None)
