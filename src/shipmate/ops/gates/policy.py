"""An environment's policy as gates: each returns refusals as data, the caller decides to raise or print.

ops.deploy and ops.promote run these after their dry-run return (a dry run prints what they would say).
Rollback never runs them: putting the last good release back is the safe direction, frozen or not.
The clock is SHIPMATE_NOW (ISO 8601) when set, for tests and what-if dry runs, else the real one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipmate.errors import InvalidInputError, PolicyRefusedError
from shipmate.git_repo import dirty_tree
from shipmate.spec.config_hash import changed_keys
from shipmate.spec.freeze_windows import frozen_by

if TYPE_CHECKING:
    from shipmate.release_config import ReleaseConfig
    from shipmate.spec.models import Spec
    from shipmate.spec.policy_spec import PolicySpec
    from shipmate.store.sqlite_reader import SqliteReader
    from shipmate.store.store import Store



@dataclass(frozen=True)
class Refusal:
    gate: str          # freeze | require_passed_in | allow_dirty
    reason: str
    hint: str = ""
    overridden: str | None = None   # the --reason a freeze was overridden with (then it does not refuse)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"gate": self.gate, "reason": self.reason, "hint": self.hint}
        if self.overridden is not None:
            out["overridden"] = self.overridden
        return out


def evaluate(home: Path, spec: Spec, config: ReleaseConfig, *, promoted_from: str | None = None,
             override_freeze: str | None = None) -> list[Refusal]:
    """The gates of ``config.environment``'s policy, reading the store read-only (creates nothing, and
    never migrates: a database from an older shipmate is read as it is)."""
    from shipmate.store.sqlite_reader import SqliteReader

    overlay = spec.environments.get(config.environment)
    policy = overlay.policy if overlay is not None else None
    if policy is None:
        return []
    store = SqliteReader.open(home) if policy.require_passed_in else None
    try:
        return policy_refusals(policy, config, store, promoted_from=promoted_from, override_freeze=override_freeze)
    finally:
        if store is not None:
            store.close()


def audit_overrides(store: Store, config: ReleaseConfig, refusals: list[Refusal], actor: str) -> None:
    """An overridden freeze leaves an audit event (who, why, which window) before anything changes."""
    for refusal in refusals:
        if refusal.overridden is not None:
            store.append_event(event_type="policy.freeze_overridden", service=config.service,
                               environment=config.environment, version=config.version, status="overridden",
                               notes=refusal.overridden[:500], deployed_by=actor, data=refusal.as_dict())


def now() -> datetime:
    given = os.environ.get("SHIPMATE_NOW", "").strip()
    if not given:
        return datetime.now(UTC)
    try:
        when = datetime.fromisoformat(given)
    except ValueError:
        raise InvalidInputError(f"SHIPMATE_NOW: not an ISO 8601 time: {given[:40]!r}",
                                hint="e.g. SHIPMATE_NOW=2026-11-20T17:00:00+00:00, or unset it") from None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def policy_refusals(policy: PolicySpec | None, config: ReleaseConfig, store: Store | SqliteReader | None, *,
                    promoted_from: str | None = None, override_freeze: str | None = None) -> list[Refusal]:
    """Every gate of ``policy`` that says no to deploying ``config`` now (empty: go ahead)."""
    if policy is None:
        return []
    out: list[Refusal] = []
    window = frozen_by(policy.windows(), now(), policy.zone())
    if window is not None:
        out.append(Refusal("freeze", f"{config.environment} is frozen now ({window.text}, {policy.timezone})",
                           "wait for the window to end, or pass --override-freeze --reason TEXT (audited)",
                           overridden=override_freeze))
    needed = policy.require_passed_in
    if needed is not None and needed != promoted_from:
        problem = _not_passed_in(store, config, needed)
        if problem:
            out.append(Refusal("require_passed_in", problem,
                               f"deploy it to {needed} first, then `shipmate promote --from {needed} "
                               f"--to {config.environment}`"))
    if not policy.allow_dirty:
        problem = dirty_tree(Path(config.cwd))
        if problem:
            out.append(Refusal("allow_dirty", problem, "commit or stash the changes (policy allow_dirty: false)"))
    return out


def raise_refused(refusals: list[Refusal], what: str) -> None:
    refusals = [r for r in refusals if r.overridden is None]
    if refusals:
        first = refusals[0]
        more = f" (+{len(refusals) - 1} more)" if len(refusals) > 1 else ""
        raise PolicyRefusedError(f"{what} refused by policy: {first.reason}{more}", hint=first.hint or None,
                                 details={"refusals": [r.as_dict() for r in refusals]})


def _not_passed_in(store: Store | SqliteReader | None, config: ReleaseConfig, env: str) -> str:
    """'' when this exact release (version, base config, artifact) passed ``env``, else why not."""
    from shipmate.ops.common.artifacts import artifact_id
    from shipmate.ops.common.passed_releases import find_passed

    found = find_passed(store, config.service, env, config.version)
    if isinstance(found, str):
        return f"require_passed_in {env}: {found}"
    passed = found.config
    if passed.config_hash != config.config_hash:
        keys = changed_keys(passed.config_keys, config.config_keys)
        return (f"require_passed_in {env}: {config.version} passed {env} with another config "
                f"(changed: {', '.join(keys) or 'unknown'})")
    mine, theirs = artifact_id(config), artifact_id(passed)
    if mine is not None and theirs is not None and mine != theirs:
        return f"require_passed_in {env}: {config.version} passed {env} with other files ({theirs[:19]})"
    return ""


def gate_report(refusals: list[Refusal]) -> dict[str, Any]:
    """What a dry run prints about the gates."""
    return {"would_refuse": any(r.overridden is None for r in refusals), "refusals": [r.as_dict() for r in refusals]}
