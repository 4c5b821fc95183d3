"""`shipmate explain DEPLOYMENT_ID`: the confidence a deployment started with, next to how it ended.

Calibration is predicted vs actual: the score beside the outcome (1 when it succeeded and passed its
monitor window, 0 when it failed or rolled back, None while it runs); the reports issue aggregates it.
"""

from __future__ import annotations

from typing import Any

from shipmate.errors import NotFoundError
from shipmate.ops.common.workspace import Workspace
from shipmate.ops.results.explanations import Calibration, Explanation

SUCCESS, FAILURE = frozenset({"succeeded"}), frozenset({"failed", "rolled_back"})


def explain(spec_file: str | None, deployment_id: str) -> Explanation:
    ws = Workspace.locate(spec_file)
    store = ws.open_store_readonly()
    if store is None:
        raise NotFoundError(f"no deployment {deployment_id}: nothing has been deployed from here",
                            hint="run it where shipmate.yaml is, or pass -f")
    try:
        dep = store.get_deployment(deployment_id.strip())
        if dep is None:
            raise NotFoundError(f"no deployment {deployment_id[:64]}",
                                hint="`shipmate history --json` lists deployment ids")
        release = store.get_release(dep.release_id)
    finally:
        store.close()
    state = str(dep.state)
    confidence = _with_reachable_max(dep.confidence)
    actual = 1 if state in SUCCESS and dep.verified is not False else 0 if state in FAILURE else None
    return Explanation(
        deployment_id=dep.id, service=dep.service, environment=dep.environment,
        version=release.version if release else None, kind=dep.kind, actor=dep.actor,
        state=state, verified=dep.verified, error=dep.error, confidence=confidence,
        calibration=Calibration(predicted=confidence["score"] if confidence else None, actual=actual))


def _with_reachable_max(confidence: dict[str, Any] | None) -> dict[str, Any] | None:
    """Scores stored before `reachable_max` existed get it from their own weights (a formula without the
    staging evidence had none of it: those weights count 0, so its ceiling shows as it was, 0.75)."""
    if confidence is None or "reachable_max" in confidence:
        return confidence
    from shipmate.analysis.confidence import reachable_max

    weights = {"passed_first": 0.0, "max_soak": 0.0, **(confidence.get("weights") or {})}
    return {**confidence, "reachable_max": reachable_max(weights)}
