"""`health.levels`: the five-level health hierarchy (instance, endpoint, application, protocol MCP, smoke).

Optional: when absent, the levels are derived from `health.checks` (levels 1-3). Level 4 (MCP) and 5 (smoke) are
only ever configured here. Pure models; the probes that run them live in engine/ and probes/.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from shipmate.spec.checks import JsonScalar
from shipmate.spec.durations import DurationRange, default_duration
from shipmate.spec.field_types import IntRange, NonEmptyText, SpecModel, UrlPath

ToolName = Annotated[str, Field(min_length=1, max_length=200)]


class McpLevel(SpecModel):
    """Level 4: the instance speaks MCP (initialize, every tools/list page), with the tools it must have."""

    path: UrlPath = Field("/mcp", description="Streamable HTTP endpoint on the instance's own port.")
    sse: UrlPath | None = Field(None, description="Legacy SSE endpoint instead of `path`, e.g. /sse.")
    min_tools: Annotated[int, IntRange(0, 100000)] = Field(0, description="At least this many tools.")
    required_tools: Annotated[tuple[ToolName, ...], Field(max_length=500)] = Field(
        (), description="Tool names that must be listed.")
    schema_change: Literal["warn", "fail"] = Field(
        "warn", description="A tool removed or an input schema changed since the current release: "
        "a warning in the deploy result (warn) or a failed deploy, rolled back before the switch (fail).")
    timeout: Annotated[float, DurationRange("100ms", "5m")] = default_duration(
        "5s", "Time limit of one connect + tools/list.")

    @model_validator(mode="before")
    @classmethod
    def _one_endpoint(cls, data: Any) -> Any:
        if isinstance(data, dict) and "sse" in data and "path" in data:
            raise PydanticCustomError("mcp_endpoint", "give path (streamable HTTP) or sse (legacy SSE), not both",
                                      {"hint": "e.g. mcp: {path: /mcp} or mcp: {sse: /sse}"})
        return data

    def endpoint(self) -> tuple[str, str]:
        """(transport, path): ("sse", "/sse") or ("http", "/mcp")."""
        return ("sse", self.sse) if self.sse is not None else ("http", self.path)


class HttpStep(SpecModel):
    """One request of a smoke sequence, against the instance's own port."""

    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"] = Field("GET", description="HTTP method.")
    path: UrlPath = Field(description="Request path, e.g. /items.")
    body: Any = Field(None, description="Request body: a string is sent as is, anything else as JSON.")
    expect_status: Annotated[int, IntRange(100, 599)] = Field(200, description="Expected status code.")
    expect_json: dict[str, JsonScalar] | None = Field(
        None, description="Each dotted key (a.b.0.c) of the JSON response must equal its value.")


class McpCallSmoke(SpecModel):
    """An MCP tools/call with given arguments and an expected result."""

    tool: ToolName = Field(description="Tool to call (a safe, read-only one).")
    arguments: dict[str, Any] = Field(default_factory=dict, description="Its arguments.")
    expect: dict[str, JsonScalar] = Field(
        default_factory=lambda: {"is_error": False},
        description="is_error: false, and/or dotted paths into the structured result (or its JSON text).")


class SmokeLevel(SpecModel):
    """Level 5: one end-to-end use of the service: a command, an HTTP sequence, or an MCP tool call."""

    command: Annotated[tuple[NonEmptyText, ...], Field(max_length=64)] = Field(
        (), description='argv run in the target cwd with PORT set; passes on exit 0, e.g. ["./smoke.sh"].')
    http: Annotated[tuple[HttpStep, ...], Field(max_length=50)] = Field(
        (), description="Requests sent in order; the first unexpected answer fails.")
    mcp_call: McpCallSmoke | None = Field(None, description="An MCP tools/call (uses the mcp level's endpoint).")
    timeout: Annotated[float, DurationRange("100ms", "10m")] = default_duration(
        "10s", "Time limit of the whole smoke test.")
    gate: bool = Field(False, description="Also run it through the public port in the monitor window after the "
                       "switch; a failing smoke rolls back like a failing window.")

    @model_validator(mode="after")
    def _exactly_one(self) -> SmokeLevel:
        given = [k for k in ("command", "http", "mcp_call") if getattr(self, k)]
        if len(given) != 1:
            raise PydanticCustomError("smoke_kind", "give exactly one of command, http, mcp_call",
                                      {"hint": "e.g. smoke: {mcp_call: {tool: ping}} or {command: [./smoke.sh]}"})
        return self


class HealthLevels(SpecModel):
    """Which levels run; level 1 (instance alive) always does."""

    endpoint: bool = Field(True, description="Level 2: TCP connect on each instance and the public port.")
    application: bool = Field(True, description="Level 3: health.checks' http/command checks and Docker HEALTHCHECK.")
    mcp: McpLevel | None = Field(None, description="Level 4: the MCP protocol check.")
    smoke: SmokeLevel | None = Field(None, description="Level 5: a smoke test (run by `shipmate check`; with "
                                     "gate: true also in the monitor window of every deploy).")

    @model_validator(mode="after")
    def _mcp_call_needs_mcp(self) -> HealthLevels:
        if self.smoke is not None and self.smoke.mcp_call is not None and self.mcp is None:
            raise PydanticCustomError("smoke_needs_mcp", "smoke.mcp_call needs the mcp level (its endpoint)",
                                      {"hint": "add levels.mcp: {path: /mcp}"})
        return self


def levels_config(levels: HealthLevels | None) -> dict[str, Any]:
    """The frozen form stored with a release ({} = derived from the checks: levels 1-3)."""
    if levels is None:
        return {}
    return levels.model_dump(mode="json", exclude_none=True)
