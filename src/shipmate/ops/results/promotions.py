"""What `promote` returns: the release run (or its plan), with the evidence it passed the source environment
and the artifact that was promoted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shipmate.ops.results.deployments import DeploymentResult, NoChangeResult
from shipmate.ops.results.plans import GatedPlan


@dataclass(frozen=True)
class PromotionResult(DeploymentResult):
    promoted_from: dict[str, Any]   # the source environment's deployment that passed: ids, verdict, artifact
    artifact: str | None            # the image id or the files' hash that runs now in both environments

    @classmethod
    def of_promotion(cls, summary: dict[str, Any], facts: dict[str, Any]) -> PromotionResult:
        run = DeploymentResult.of(summary)
        return cls(**{f: getattr(run, f) for f in run.__dataclass_fields__}, promoted_from=facts["promoted_from"],
                   artifact=facts["artifact"])


@dataclass(frozen=True)
class PromotionUnchanged(NoChangeResult):
    """The release already runs in the target environment."""

    promoted_from: dict[str, Any]
    artifact: str | None


@dataclass(frozen=True)
class PromotionPlan(GatedPlan):
    """promote --dry-run: the gated plan, with what would be promoted."""

    promoted_from: dict[str, Any]
    artifact: str | None


def promotion_result(summary: dict[str, Any], facts: dict[str, Any]
                     ) -> PromotionResult | PromotionUnchanged:
    if summary.get("noop"):
        return PromotionUnchanged(noop=True, service=summary["service"], environment=summary["environment"],
                                  version=summary["version"], message=summary["message"],
                                  approval=DeploymentResult.of_approval(summary.get("approval")),
                                  backup=summary.get("backup"), promoted_from=facts["promoted_from"],
                                  artifact=facts["artifact"])
    return PromotionResult.of_promotion(summary, facts)


def promotion_plan(report: dict[str, Any], facts: dict[str, Any]) -> PromotionPlan:
    plan = GatedPlan.of(report)
    return PromotionPlan(**{f: getattr(plan, f) for f in plan.__dataclass_fields__},
                         promoted_from=facts["promoted_from"], artifact=facts["artifact"])
