"""A deployment as history and status show it, and what deploy and rollback return."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shipmate.ops.results.json_result import OMIT_IF_NONE, JsonResult


@dataclass(frozen=True)
class DeploymentRecord(JsonResult):
    """One deployment, as a history row (with its environment) or a status's last deployment (without)."""

    environment: str | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)
    deployment_id: str
    trace_id: str                  # the caller's (an inbox task's, `deploy --trace-id`) or a fresh one
    version: str | None
    kind: str
    state: str
    strategy: str
    verified: bool
    started_at: float
    finished_at: float | None
    duration_s: float | None
    actor: str
    error: str | None
    confidence: float | None       # the score; its factors: `shipmate explain`
    origin: dict[str, Any] | None  # a promotion's evidence from its source environment
    artifact_short: str | None = field(default=None, kw_only=True)   # the files' (or image's) short hash


@dataclass(frozen=True)
class HistoryResult(JsonResult):
    service: str
    deployments: list[DeploymentRecord]
    # only in a folder never deployed (no state yet): said so, and nothing was created by asking
    never_deployed: bool | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)


@dataclass(frozen=True)
class StepResult(JsonResult):
    name: str
    status: str
    duration_s: float | None


@dataclass(frozen=True)
class ApprovalUsed(JsonResult):
    """The approval a gated change ran under (approval_id: the one name of an approval's id in results,
    errors, events and MCP arguments)."""

    approval_id: str
    approved_by: str | None
    face: str | None


@dataclass(frozen=True)
class DeploymentResult(JsonResult):
    """What a deploy, a rollback or a promotion ran: its state, verdict and steps."""

    deployment_id: str
    trace_id: str
    service: str
    environment: str
    version: str
    kind: str                          # deploy | rollback
    state: str
    previous_version: str | None
    verified: bool
    confidence: float | None
    verdict: dict[str, Any] | None     # the monitor's verdict (analysis), when one was reached
    error: str | None
    warnings: list[str]
    origin: dict[str, Any] | None
    steps: list[StepResult]
    artifact_short: str | None = field(default=None, kw_only=True)   # the files' (or image's) short hash
    approval: ApprovalUsed | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)
    # the archive taken before the deploy
    backup: dict[str, Any] | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)
    # `deploy --note`: what this deploy changed to fix the last failure (the failure memory credits it)
    note: str | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)

    @classmethod
    def of(cls, summary: dict[str, Any]) -> DeploymentResult:
        """From the engine's summary of a run (ops/common/release_run.py), with what the gates added."""
        return cls(
            deployment_id=summary["deployment_id"], trace_id=summary["trace_id"], service=summary["service"],
            environment=summary["environment"], version=summary["version"], kind=summary["kind"],
            state=summary["state"], previous_version=summary["previous_version"], verified=summary["verified"],
            confidence=summary["confidence"], verdict=summary["verdict"], error=summary["error"],
            warnings=list(summary["warnings"]), origin=summary["origin"],
            steps=[StepResult(s["name"], s["status"], s["duration_s"]) for s in summary["steps"]],
            artifact_short=summary.get("artifact_short"), approval=cls.of_approval(summary.get("approval")),
            backup=summary.get("backup"), note=summary.get("note"))

    @staticmethod
    def of_approval(given: dict[str, Any] | None) -> ApprovalUsed | None:
        return None if given is None else ApprovalUsed(given["approval_id"], given["approved_by"], given["face"])


@dataclass(frozen=True)
class NoChangeResult(JsonResult):
    """Nothing was done: the release asked for already runs (deploy without --force)."""

    noop: bool
    service: str
    environment: str
    version: str
    message: str
    approval: ApprovalUsed | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)
    backup: dict[str, Any] | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)


def release_result(summary: dict[str, Any]) -> DeploymentResult | NoChangeResult:
    """The typed result of a release run (deploy, rollback): what ran, or that nothing had to."""
    if summary.get("noop"):
        return NoChangeResult(noop=True, service=summary["service"], environment=summary["environment"],
                              version=summary["version"], message=summary["message"],
                              approval=DeploymentResult.of_approval(summary.get("approval")),
                              backup=summary.get("backup"))
    return DeploymentResult.of(summary)
