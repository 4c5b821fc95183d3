"""Which release passed an environment's monitor window, and why none qualifies when none does.

The answer is data (a Passed, or a refusal reason); promote and the require_passed_in gate turn it
into PolicyRefusedError. Reads the store only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shipmate.model import DeploymentState
from shipmate.release_config import ReleaseConfig

if TYPE_CHECKING:
    from shipmate.store.rows import DeploymentRow, ReleaseRow
    from shipmate.store.sqlite_reader import SqliteReader
    from shipmate.store.store import Store

HISTORY_LIMIT = 500
_FAILED = (DeploymentState.FAILED, DeploymentState.ROLLED_BACK)


@dataclass(frozen=True)
class Passed:
    """A deployment that succeeded and passed its monitor window, with its release."""

    environment: str
    deployment: DeploymentRow
    release: ReleaseRow

    @property
    def config(self) -> ReleaseConfig:
        return ReleaseConfig.from_dict(self.release.spec)

    def evidence(self) -> dict[str, Any]:
        """What a promotion records in deployments.origin (migration 6) and prints."""
        from shipmate.ops.common.artifacts import artifact_id

        verdict = self.deployment.verdict or {}
        return {"environment": self.environment, "deployment_id": self.deployment.id,
                "release_id": self.release.id, "version": self.release.version,
                "verdict": verdict.get("phase", "pass"), "samples": verdict.get("samples"),
                "decided_by": verdict.get("decided_by"), "finished_at": self.deployment.finished_at,
                "artifact": artifact_id(self.config), "config_hash": self.config.config_hash}


def _passed(dep: DeploymentRow) -> bool:
    return dep.state == DeploymentState.SUCCEEDED and bool(dep.verified)


def find_passed(store: Store | SqliteReader | None, service: str, env: str, version: str | None) -> Passed | str:
    """The newest passed release in ``env`` (of ``version`` when given), else the reason there is none.

    Without a version the newest deployment must be the passed one or a rollback to it: a newer
    deployment that has not passed supersedes it (promote --version picks an older one on purpose).
    """
    history = [] if store is None else store.deployments(service, env, HISTORY_LIMIT)
    history = [dep for dep in history if dep.kind in ("deploy", "rollback")]
    if not history:
        return f"never deployed: {service} was never deployed to {env}"
    releases = {dep.release_id: store.get_release(dep.release_id) for dep in history} if store else {}
    named = {rid: (rel.version if rel else "?") for rid, rel in releases.items()}
    if version is not None:
        history = [dep for dep in history if named[dep.release_id] == version]
        if not history:
            return f"never deployed: {version} was never deployed to {env}"
    found = next((i for i, dep in enumerate(history) if _passed(dep)), None)
    if found is None:
        latest = history[0]
        what = named[latest.release_id]
        if latest.state in _FAILED:
            return (f"failed: {what} failed in {env} (deployment {latest.id}, {latest.state}"
                    f"{': ' + latest.error if latest.error else ''})")
        return f"not passed: no deployment of {version or service} to {env} has passed its monitor window yet"
    chosen = history[found]
    release = releases[chosen.release_id]
    if release is None:
        return f"not found: release {chosen.release_id} is missing from the store"
    newer = [dep for dep in history[:found] if dep.release_id != chosen.release_id or dep.kind != "rollback"]
    if newer:
        latest = newer[0]
        if named[latest.release_id] == release.version and latest.state in _FAILED:
            return (f"failed: the latest deployment of {release.version} to {env} ({latest.id}) failed"
                    f"{': ' + latest.error if latest.error else ''}")
        return (f"superseded: {named[latest.release_id]} was deployed to {env} after {release.version} passed "
                f"(deployment {latest.id}, {latest.state}, not verified)")
    return Passed(env, chosen, release)
