"""An inbox task: an agent's deployment request as a file, modelled on the seed's deployment-task schema.

Strict like the spec (unknown keys are errors, no "3" for 3), and the JSON Schema `shipmate schema inbox`
prints is exported from these models, so the file a writer checks against and the validator never drift.
Each verification entry names one real check run after the deploy (see ops/verifying_task.py).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from shipmate.spec.field_types import DnsLabel, FloatRange, IntRange, SpecModel, TextRule, UrlPath, VersionText

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
TRACE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
TraceId = Annotated[str, TextRule(TRACE_ID_PATTERN, "1-64 letters, digits, '.', '_', ':' or '-'",
                                  "e.g. CHORA-DEPLOY-2025-001")]
Requester = Annotated[str, TextRule(r"^[A-Za-z0-9][A-Za-z0-9._@:+-]{0,99}$",
                                    "1-100 letters, digits, '.', '_', '@', ':', '+' or '-'", "e.g. agent-ci")]
# A task is an agent's request: whatever it says about approval is not a person's yes, so these are dropped
# (and listed in the result as ignored) before validation, never obeyed.
IGNORED_APPROVAL_FIELDS = frozenset({"approval", "approved", "approved_by", "approval_id", "approval_code",
                                     "auto_approve", "skip_approval", "confirm", "code"})


class TaskModel(SpecModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, strict=True)


class ScopeSpec(TaskModel):
    services: list[DnsLabel] = Field(min_length=1, max_length=20,
                                     description="The services this task deploys (the spec's own service).")
    estimated_downtime_seconds: Annotated[int, IntRange(0, 86_400)] | None = Field(
        None, description="What the requester expects (informational; shipmate's strategies aim for 0).")


class McpToolsSpec(TaskModel):
    at_least: Annotated[int, IntRange(0, 100_000)] = Field(
        description="tools/list on the service's MCP endpoint must return at least this many tools.")


class ProbeP95Spec(TaskModel):
    below_ms: Annotated[float, FloatRange(0.001, 600_000)] = Field(
        description="p95 latency of GETs through the public port must stay below this.")
    samples: Annotated[int, IntRange(5, 1000)] = Field(20, description="How many GETs.")
    path: UrlPath | None = Field(None, description="Request path (default: the first http health check's path, "
                                                   "else /).")


class HealthyWithinSpec(TaskModel):
    seconds: Annotated[float, FloatRange(0.1, 3600)] = Field(
        description="`check` (every configured health level) must pass within this many seconds of the deploy.")


class VerificationSpec(TaskModel):
    """One check that must pass after the deploy; exactly one key."""

    model_config = TaskModel.model_config | {"json_schema_extra": {"minProperties": 1, "maxProperties": 1}}

    mcp_tools: McpToolsSpec | None = None
    probe_p95: ProbeP95Spec | None = None
    healthy_within: HealthyWithinSpec | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> VerificationSpec:
        given = [name for name in ("mcp_tools", "probe_p95", "healthy_within") if getattr(self, name) is not None]
        if len(given) != 1:
            raise PydanticCustomError("verification_kind", "give exactly one of mcp_tools, probe_p95, healthy_within",
                                      {"hint": "e.g. {\"healthy_within\": {\"seconds\": 30}}"})
        return self

    @property
    def kind(self) -> str:
        return next(name for name in ("mcp_tools", "probe_p95", "healthy_within") if getattr(self, name))


class RollbackConditionsSpec(TaskModel):
    """After the deploy, roll back when any of these is met (beside the spec's own monitor window)."""

    health_check_failures: Annotated[int, IntRange(1, 1000)] | None = Field(
        None, description="Consecutive failed `check` rounds during healthy_within that roll back.")
    error_rate_threshold: Annotated[float, FloatRange(0, 1)] | None = Field(
        None, description="The monitor window's measured error rate at or above this rolls back.")


class DeploymentTaskSpec(TaskModel):
    """One task file in inbox/incoming/."""

    trace_id: TraceId = Field(description="The idempotency key: a trace id is acted on once; it is the "
                                          "deployment's trace id in history and events.")
    category: Literal["deployment", "rollback", "dry-run"] = Field(
        "deployment", description="deployment: deploy; rollback: put back the last verified release (or "
                                  "version); dry-run: the plan and the gates' answer only.")
    environment: DnsLabel = Field(description="An environment the spec declares.")
    version: VersionText | None = Field(None, description="The version to deploy (or roll back to).")
    urgency: Literal["low", "normal", "medium", "high", "critical"] = Field(
        "normal", description="Recorded with the task; it never skips a gate.")
    scope: ScopeSpec
    verification: list[VerificationSpec] = Field(default_factory=list, max_length=20)
    rollback_conditions: RollbackConditionsSpec | None = None
    requested_by: Requester = Field(description="Who asks (recorded as the agent inbox:<requested_by>).")
    notes: Annotated[str, TextRule(r"^(?s:.){0,2000}$", "at most 2000 characters")] | None = None


def task_json_schema() -> dict[str, Any]:
    schema = DeploymentTaskSpec.model_json_schema()
    props = schema.setdefault("properties", {})
    for name in sorted(IGNORED_APPROVAL_FIELDS):
        props[name] = {"description": "Ignored: a task is an agent's request; approval comes from a person."}
    return {"$schema": SCHEMA_DIALECT, **schema, "title": "shipmate inbox task",
            "description": "A deployment request dropped into inbox/incoming/ (write it elsewhere, then rename "
                           "it in). Unknown keys are errors; approval fields are ignored."}
