"""Per-environment `approval:`: who must say yes before a change reaches the environment (pure, no I/O).

Written as `approval: none`, `approval: required`, `approval: {auto_if_confidence: 0.9}`,
`approval: {tiers: {}}` (the seed's confidence tiers) or the full mapping with its options.
`protected: true` implies `required` when `approval:` is absent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from shipmate.spec.durations import DurationRange, default_duration
from shipmate.spec.field_types import FloatRange, SpecModel
from shipmate.spec.quoting import quoted

DEFAULT_EXPIRES_S = 24 * 3600.0
# What an approval gates: deploy, promote, rollback to an older release, restore and down.
GATED_ACTIONS = frozenset({"deploy", "promote", "rollback", "restore", "down"})


class TiersSpec(SpecModel):
    """The seed's confidence tiers: what a gated change's score lets it do without a person."""

    auto: Annotated[float, FloatRange(0.0, 1.0)] = Field(0.9, description="At or above: proceeds on its own.")
    notice: Annotated[float, FloatRange(0.0, 1.0)] = Field(
        0.7, description="At or above (below auto): proceeds after notice_period unless a person rejects it.")
    approve: Annotated[float, FloatRange(0.0, 1.0)] = Field(
        0.5, description="At or above (below notice): needs a person's approval. Below: refused and escalated.")
    notice_period: Annotated[float, DurationRange("0s", "72h")] = default_duration(
        "1h", "How long a person has to reject a change of the notice tier.")

    @model_validator(mode="after")
    def _ordered(self) -> TiersSpec:
        if not self.auto >= self.notice >= self.approve:
            raise PydanticCustomError(
                "approval_tiers_order", "tiers must go down: auto {auto} >= notice {notice} >= approve {approve}",
                {"auto": self.auto, "notice": self.notice, "approve": self.approve,
                 "hint": "e.g. tiers: {auto: 0.9, notice: 0.7, approve: 0.5}"})
        return self


class ApprovalSpec(SpecModel):
    """approval: none | required | {auto_if_confidence: 0.9}, plus expires, self_approval and cli."""

    mode: Literal["none", "required"] = Field(
        "required", description="none: no approval; required: a person approves each gated change.")
    auto_if_confidence: Annotated[float, FloatRange(0.0, 1.0)] | None = Field(
        None, description="Approve by itself when the deployment's confidence score is at least this.")
    expires: Annotated[float, DurationRange("1s", "720h")] = default_duration(
        "24h", "A pending or granted approval not used by then expires.")
    self_approval: bool = Field(True, description="May whoever requested a change approve it themselves? "
                                                  "(false: GitHub's 'prevent self-review', for teams)")
    cli: bool = Field(True, description="Does the CLI on the host need approval too (false: only agents "
                                        "through MCP and the HTTP API do)?")
    deciders: Literal["host", "tokens"] = Field(
        "host", description="host: a person at the host's CLI decides; tokens: only with a person's decider token "
                            "(`shipmate approvals token add NAME`), typed at a terminal prompt.")
    tiers: TiersSpec | None = Field(None, description="Confidence tiers ({} for the defaults): >= auto proceeds, "
                                    ">= notice proceeds after a notice period unless rejected, >= approve needs "
                                    "an approval, below is refused and escalated.")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, str):
            if data not in ("none", "required"):
                raise PydanticCustomError(
                    "approval_mode", "expected none, required or a mapping, got {got}",
                    {"got": quoted(data), "hint": "e.g. approval: required, or approval: {auto_if_confidence: 0.9}"})
            return {"mode": data}
        return data

    @model_validator(mode="after")
    def _auto_needs_required(self) -> ApprovalSpec:
        if self.mode == "none" and self.auto_if_confidence is not None:
            raise PydanticCustomError(
                "approval_auto_with_none", "auto_if_confidence needs mode: required, got mode: none",
                {"hint": "drop mode: none (auto_if_confidence implies an approval when confidence is lower)"})
        if self.mode == "none" and self.tiers is not None:
            raise PydanticCustomError("approval_tiers_with_none", "tiers need mode: required, got mode: none",
                                      {"hint": "drop mode: none"})
        if self.tiers is not None and self.auto_if_confidence is not None:
            raise PydanticCustomError(
                "approval_auto_with_tiers", "auto_if_confidence and tiers both say when a change proceeds alone",
                {"hint": "keep tiers and write its threshold as tiers.auto"})
        return self


@dataclass(frozen=True)
class Tiers:
    auto: float = 0.9
    notice: float = 0.7
    approve: float = 0.5
    notice_s: float = 3600.0

    def of(self, confidence: dict[str, Any] | None) -> str:
        """auto | notice | approve | refuse; an unknown score needs an approval (never more, never less)."""
        score = (confidence or {}).get("score")
        if not isinstance(score, int | float):
            return "approve"
        value = float(score)
        if value >= self.auto:
            return "auto"
        if value >= self.notice:
            return "notice"
        return "approve" if value >= self.approve else "refuse"


@dataclass(frozen=True)
class ApprovalPolicy:
    """The effective rule of one environment, after `protected` and the defaults are applied."""

    required: bool                     # approval: required / auto, or protected without approval:
    protected: bool
    auto_if_confidence: float | None = None
    expires_s: float = DEFAULT_EXPIRES_S
    self_approval: bool = True        # a person alone approves their own request (GitHub environments' default)
    cli: bool = True
    tiers: Tiers | None = None
    deciders: str = "host"            # host | tokens

    def needed(self, *, face: str, action: str) -> bool:
        """Does ``action`` through ``face`` need an approval? (Confidence may still grant it: auto_met.)"""
        if action not in GATED_ACTIONS:
            return False
        if face != "cli":
            return self.required or self.protected   # protected always gates agents and the HTTP API
        return self.required and self.cli

    def auto_met(self, confidence: dict[str, Any] | None) -> bool:
        """auto_if_confidence is met only by a known score: no score (None) is never enough."""
        if self.auto_if_confidence is None or not confidence:
            return False
        score = confidence.get("score")
        return isinstance(score, int | float) and float(score) >= self.auto_if_confidence


def effective_policy(approval: ApprovalSpec | None, *, protected: bool) -> ApprovalPolicy:
    if approval is None:
        return ApprovalPolicy(required=protected, protected=protected)
    return ApprovalPolicy(required=approval.mode == "required", protected=protected,
                          auto_if_confidence=approval.auto_if_confidence, expires_s=float(approval.expires),
                          self_approval=approval.self_approval, cli=approval.cli, deciders=approval.deciders,
                          tiers=None if approval.tiers is None else Tiers(
                              approval.tiers.auto, approval.tiers.notice, approval.tiers.approve,
                              float(approval.tiers.notice_period)))
