"""Count a deployment's confidence inputs from the store and score them (analysis.confidence)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from shipmate.analysis.confidence import Confidence, ConfidenceInputs, changed_keys, score, security_changes
from shipmate.release_config import ReleaseConfig

if TYPE_CHECKING:
    from shipmate.store.store import Store

HISTORY = 50          # previous deployments of this service/environment looked at
FAILED_STATES = frozenset({"failed", "rolled_back"})


def assess(store: Store, config: ReleaseConfig, previous_config: ReleaseConfig | None, *,
           weights: Mapping[str, float] | None = None, must_pass_in: str | None = None,
           passed_in: str | None = None) -> Confidence:
    """The score of deploying ``config`` over ``previous_config`` (None: nothing runs there yet).

    ``weights``: the spec's confidence.weights overrides; ``must_pass_in``: the environment this version
    must pass first (policy.require_passed_in), else failed runs in any environment count; ``passed_in``:
    where its passed window and time count (default ``must_pass_in``; a promotion's source otherwise).
    """
    return score(inputs_for(store, config, previous_config, must_pass_in=must_pass_in, passed_in=passed_in),
                 weights)


def known_fixes_for(store: Store, service: str) -> int:
    """Known fixes (root cause and prevention recorded) for the failure signatures ``service`` has seen:
    what was learned from its failures, so the same failure is less likely to surprise this deployment."""
    memory = store.memory
    seen = memory.signatures_seen(service)
    if not seen:
        return 0
    return sum(1 for fix in memory.fixes(signature_ids=seen) if fix.root_cause.strip() and fix.prevention.strip())


def passed_first(store: Store, config: ReleaseConfig, environment: str,
                 now: float | None = None) -> tuple[int | None, float]:
    """(samples of the window this exact release passed in ``environment``, seconds it has run there since),
    or (None, 0) when it did not pass there (never ran, failed, superseded, or another config or artifact)."""
    from shipmate.ops.common.artifacts import artifact_id
    from shipmate.ops.common.passed_releases import find_passed

    found = find_passed(store, config.service, environment, config.version)
    if isinstance(found, str) or found.config.config_hash != config.config_hash:
        return None, 0.0
    mine, theirs = artifact_id(config), artifact_id(found.config)
    if mine is not None and theirs is not None and mine != theirs:
        return None, 0.0
    samples = (found.deployment.verdict or {}).get("samples")
    ran = (time.time() if now is None else now) - found.deployment.started_at
    return (int(samples) if isinstance(samples, int | float) else 0), max(0.0, ran)


def inputs_for(store: Store, config: ReleaseConfig, previous_config: ReleaseConfig | None, *,
               must_pass_in: str | None = None, passed_in: str | None = None) -> ConfidenceInputs:
    history = store.deployments(config.service, config.environment, HISTORY)
    successes = sum(1 for dep in history if dep.kind == "deploy" and str(dep.state) == "succeeded")
    keys: list[str] = []
    if previous_config is not None:
        # What the target's prepare() added to the running release (e.g. image_id) is not a config change.
        prepared = {k for k in previous_config.target_settings if k not in config.target_settings}
        keys = [k for k in changed_keys(previous_config.to_dict(), config.to_dict())
                if not (k.startswith("target_settings.") and k.split(".")[1] in prepared)]
    runs = [dep for dep in store.deployments_of_version(config.service, config.version)
            if dep.kind == "deploy" and str(dep.state) in FAILED_STATES
            and (must_pass_in is None or dep.environment == must_pass_in)]
    where = passed_in or must_pass_in
    samples, soak = passed_first(store, config, where) if where and where != config.environment else (None, 0.0)
    return ConfidenceInputs(
        previous_successes=successes, known_fixes=known_fixes_for(store, config.service),
        passed_in=where, passed_samples=samples, soak_s=soak,
        changed_keys=tuple(keys), security_changes=tuple(security_changes(keys)),
        first_deploy=previous_config is None and successes == 0, failed_runs=len(runs),
        failed_runs_where=must_pass_in or "any environment")


def previous_config_of(store: Store, service: str, environment: str) -> ReleaseConfig | None:
    """The config of the release serving now, or None."""
    cur = store.current(service, environment)
    rel = store.get_release(cur.release_id) if cur is not None else None
    return ReleaseConfig.from_dict(rel.spec) if rel is not None else None


def assess_current(store: Store, config: ReleaseConfig, weights: Mapping[str, float] | None = None,
                   must_pass_in: str | None = None, passed_in: str | None = None) -> dict[str, Any]:
    """The score of replacing what serves now with ``config``, as stored on the deployment."""
    return assess(store, config, previous_config_of(store, config.service, config.environment),
                  weights=weights, must_pass_in=must_pass_in, passed_in=passed_in).as_dict()
