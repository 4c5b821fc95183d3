"""promote: deploy to one environment the exact release that passed another one's monitor window.

Exact means: the same version, the same base config (config hash, overlays aside) and the same artifact
(docker/swarm: the image id, never rebuilt; process: the source's snapshot, or without one the files' hash),
with the target environment's overlay applied. Anything else is refused with the reason (PolicyRefusedError,
exit 6) before any change.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipmate.errors import InvalidInputError, PolicyRefusedError
from shipmate.ops.common import releases
from shipmate.ops.common.artifacts import (
    artifact_id,
    changed_files,
    files_are_artifact,
    with_artifact,
    with_artifact_of,
)
from shipmate.ops.common.failure_memory import remembers
from shipmate.ops.common.passed_releases import Passed, find_passed
from shipmate.ops.common.workspace import Workspace, resolve_environment
from shipmate.ops.gates import chain as gated_release
from shipmate.ops.gates import policy as policy_gates
from shipmate.ops.results.promotions import (
    PromotionPlan,
    PromotionResult,
    PromotionUnchanged,
    promotion_plan,
    promotion_result,
)
from shipmate.snapshots import SNAPSHOT_DIR
from shipmate.snapshots.writer import is_sealed
from shipmate.spec.config_hash import changed_keys

if TYPE_CHECKING:
    from shipmate.engine.context import Progress
    from shipmate.ops.common.identity import Identity
    from shipmate.release_config import ReleaseConfig


@remembers("promote", env_arg="to_env")
def promote(spec_file: str | None, *, from_env: str, to_env: str, version: str | None = None,
            dry_run: bool = False, progress: Progress | None = None,
            override_freeze: str | None = None, identity: Identity | None = None,
            wait_approval: bool = True) -> PromotionResult | PromotionUnchanged | PromotionPlan:
    """Goes through the same gates as deploy (ops.gated_release), asking approvals for action "promote"."""
    from shipmate.engine.preflight import check_command
    from shipmate.ops.common.release_run import planned_release
    from shipmate.ops.common.spec_loading import load_spec
    from shipmate.secrets.resolve import with_secrets
    from shipmate.spec.service_names import read_service_names

    ws = Workspace.locate(spec_file)
    service, declared = read_service_names(ws.spec_path)
    source, target = resolve_environment(declared, from_env), resolve_environment(declared, to_env)
    if source == target:
        raise InvalidInputError(f"--from and --to are both {source}", hint="promote moves a release to another "
                                "environment; `shipmate deploy -e ENV --force` redeploys in place")
    passed = _passed_in(ws, service, source, version)
    loaded = load_spec(ws.spec_path, environment=target, version_override=passed.release.version)
    from shipmate.ops.deploying_files import is_file_set

    if is_file_set(loaded.spec.target.kind):
        raise InvalidInputError("promote is not available for target.kind files: its releases are a folder's files, "
                                "not an artifact to carry to another environment",
                                hint=f"deploy the same version to {target}: unchanged files are skipped")
    config = with_secrets(ws.home, loaded.spec.secrets, releases.config_from(loaded))
    check_command(config)
    config = _exact(ws, config, passed)
    evidence = passed.evidence()
    gates = policy_gates.evaluate(ws.home, loaded.spec, config, promoted_from=source,
                                  override_freeze=override_freeze)
    release = gated_release.Release(ws, loaded, config, gates, action="promote", identity=identity,
                                    origin={"promoted_from": evidence})
    facts = {"promoted_from": evidence, "artifact": artifact_id(config)}
    if dry_run:
        return promotion_plan(gated_release.dry_run_report(release, planned_release(ws, config, kind="deploy")),
                              facts)
    return promotion_result(gated_release.run_gated(release, force=False, wait_approval=wait_approval,
                                                    progress=progress), facts)


def _passed_in(ws: Workspace, service: str, env: str, version: str | None) -> Passed:
    from shipmate.store.sqlite_reader import SqliteReader

    store = SqliteReader.open(ws.home)   # read-only, never migrates: a refusal leaves the folder as it was
    try:
        found = find_passed(store, service, env, version)
    finally:
        if store is not None:
            store.close()
    if isinstance(found, str):
        raise _refused(f"nothing to promote from {env}: {found}",
                       hint=f"deploy to {env} and let it pass its monitor window; `shipmate history -e {env}` "
                            "shows what happened there", gate="promotion")
    return found


def _exact(ws: Workspace, config: ReleaseConfig, passed: Passed) -> ReleaseConfig:
    """``config`` (the target's overlay) carrying the passed release's artifact, or a refusal for drift."""
    before = passed.config
    version = passed.release.version
    if not before.config_hash:
        raise _refused(f"config drift: {version} was deployed by a shipmate that did not record config hashes",
                       hint="deploy it to the source environment again, then promote", gate="config_drift")
    if before.config_hash != config.config_hash:
        keys = changed_keys(before.config_keys, config.config_keys)
        raise _refused(f"config drift: shipmate.yaml changed since {version} passed {passed.environment} "
                       f"(changed: {', '.join(keys) or 'unknown keys'})",
                       hint=f"deploy the new config to {passed.environment} first, or undo the change",
                       gate="config_drift", changed=keys)
    if config.target_kind != before.target_kind:
        raise _refused(f"config drift: target kind {before.target_kind} became {config.target_kind}",
                       gate="config_drift")
    if files_are_artifact(config):
        if artifact_id(before) is None:
            raise _refused(f"{version} in {passed.environment} has no recorded artifact hash "
                           f"({before.artifact.get('skipped') or 'deployed by an older shipmate'})",
                           gate="artifact_drift", hint=f"deploy it to {passed.environment} again (target.cwd "
                           "should hold the project only)")
        snapshot = before.target_settings.get(SNAPSHOT_DIR)
        if snapshot and is_sealed(Path(str(snapshot))):
            # The source's snapshot IS the artifact: the files on disk now may have moved on, it has not.
            return dataclasses.replace(with_artifact_of(config, before.artifact),
                                       target_settings={**config.target_settings, SNAPSHOT_DIR: str(snapshot)})
        now = with_artifact(config, ws.home, ws.spec_path)
        if artifact_id(now) != artifact_id(before):
            files = changed_files(before.artifact, now.artifact)
            listed = f" (changed: {', '.join(files)})" if files else ""
            raise _refused(f"superseded: the project's files changed since {version} passed "
                           f"{passed.environment}{listed}", gate="artifact_drift", changed=files,
                           hint=f"deploy the current files to {passed.environment} first, or restore them")
        return now
    built = {k: v for k, v in before.target_settings.items() if k not in config.target_settings}
    if not built.get("image_id"):
        raise _refused(f"{version} in {passed.environment} has no recorded image id to promote",
                       gate="artifact_drift", hint=f"deploy it to {passed.environment} again")
    return dataclasses.replace(config, target_settings={**config.target_settings, **built})   # never rebuilt


def _refused(message: str, *, gate: str, hint: str | None = None, changed: list[str] | None = None
             ) -> PolicyRefusedError:
    details: dict[str, Any] = {"refusals": [{"gate": gate, "reason": message, "hint": hint or ""}]}
    if changed is not None:
        details["changed"] = changed
    return PolicyRefusedError(message, hint=hint, details=details)
