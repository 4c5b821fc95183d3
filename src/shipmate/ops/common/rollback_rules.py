"""What a rollback may put back, and what its result must admit.

`rollback --to V` where V failed or was rolled back is refused (exit 2) unless forced (a warning and an audit
event); a rollback is watched for the spec's monitor window, and a restored release that fails it is not
"rollback ok": exit 5 with what was seen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shipmate.errors import DeploymentFailedError, InvalidInputError, RollbackFailedError

if TYPE_CHECKING:
    from shipmate.release_config import ReleaseConfig
    from shipmate.store.store import Store

LOOKED_AT = 500   # deployments read back to judge a release's record
BAD_ENDS = ("failed", "rolled_back")


def bad_record(store: Store, config: ReleaseConfig, release_id: str) -> str | None:
    """Why ``release_id`` should not be put back, or None: its newest deployment in the environment failed or
    was rolled back (by the engine, after failing its checks or window). A release a person merely rolled back
    from is not judged bad: rolling forward to it again is an ordinary rollback --to."""
    for dep in store.deployments(config.service, config.environment, LOOKED_AT):
        if dep.release_id == release_id:
            state = str(dep.state)
            return f"its last deployment {dep.id} ended {state}" if state in BAD_ENDS else None
    return None


def check_allowed(store: Store, config: ReleaseConfig, release_id: str, *, force: bool,
                  actor: str) -> list[str]:
    """Refuse a release with a bad record unless ``force``; a forced one is audited and returns its warning."""
    why = bad_record(store, config, release_id)
    if why is None:
        return []
    if not force:
        raise InvalidInputError(f"refusing to roll back to {config.version}: {why}",
                                hint=f"`shipmate history` shows what happened; pass --force to put {config.version} "
                                     "back anyway (audited)")
    warning = f"forced rollback to {config.version}, although {why}"
    store.append_event(event_type="rollback.forced", service=config.service, environment=config.environment,
                       version=config.version, status="warning", deployed_by=actor, notes=warning,
                       data={"release_id": release_id, "reason": why})
    return [warning]


def window_failed(exc: DeploymentFailedError) -> bool:
    """The restored release passed levels 1-4 and was switched to, then failed its monitor window."""
    verdict = (exc.details or {}).get("verdict") or {}
    return bool(verdict) and verdict.get("phase") not in ("pass", None)


def as_failed_window(exc: DeploymentFailedError, store: Store, config: ReleaseConfig,
                     actor: str) -> RollbackFailedError:
    """The honest end of a rollback whose restored release failed its window: exit 5, audited, what was seen."""
    details: dict[str, Any] = dict(exc.details or {})
    verdict = details.get("verdict") or {}
    seen = "; ".join(str(r) for r in verdict.get("reasons") or []) or str(verdict.get("phase"))
    previous = details.get("previous_version")
    now = f"{previous} is serving again" if previous else "nothing serves now"
    message = (f"rollback to {config.version} failed its monitor window ({seen}): the restored release was not "
               f"kept, {now}")
    store.append_event(event_type="rollback.window_failed", service=config.service, environment=config.environment,
                       version=config.version, status="failed", deployment_id=details.get("deployment_id"),
                       deployed_by=actor, errors=[message], data={"verdict": verdict})
    return RollbackFailedError(message, hint="neither release is known good: look at `shipmate logs` and "
                                             f"`shipmate explain {details.get('deployment_id')}`, then deploy a fix",
                               details=details)
