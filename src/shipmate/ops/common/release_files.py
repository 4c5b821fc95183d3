"""What a release runs from, made once before it is recorded: the target's prepare, and a process release's
snapshot (snapshots/), so every start of its instances — deploy, rollback, recovery, restart — runs its bytes.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipmate.engine import crashpoints
from shipmate.errors import InvalidInputError, NotFoundError
from shipmate.ops.common.artifacts import (
    FILE_LIMIT,
    ArtifactFiles,
    artifact_digests,
    changed_files,
    files_are_artifact,
    hashed_files,
    process_artifact,
)
from shipmate.release_config import ReleaseConfig
from shipmate.snapshots import SNAPSHOT_DIR
from shipmate.snapshots.writer import Wanted, is_sealed, write_snapshot

if TYPE_CHECKING:
    from shipmate.engine.context import Runtime


def snapshots_on(config: ReleaseConfig) -> bool:
    """A release recorded before snapshots existed ran from target.cwd: it is judged like snapshot: false."""
    return files_are_artifact(config) and bool(config.target_settings.get("snapshots"))


def prepared(rt: Runtime, config: ReleaseConfig, *, kind: str) -> ReleaseConfig:
    """``config`` with what the target made (an image id) and, on the process target, its snapshot.

    Raises NotFoundError for a rollback whose snapshot was pruned, InvalidInputError for a rollback (without
    snapshots) whose files changed, BuildFailedError / PrerequisiteMissingError from the snapshot writer.
    """
    made = rt.target.prepare(config)
    if made:
        config = dataclasses.replace(config, target_settings={**config.target_settings, **made})
    if not files_are_artifact(config):
        return config
    recorded = config.target_settings.get(SNAPSHOT_DIR)
    if recorded:
        if not is_sealed(Path(str(recorded))):
            raise NotFoundError(f"the snapshot of {config.service} {config.version} was pruned: its files are gone",
                                hint="roll back to a more recent release (`shipmate history`), or deploy that "
                                     "version again from its source")
        return config
    if not snapshots_on(config):
        if kind == "rollback":
            _same_files_or_refuse(rt.home, config)
        return config
    return _snapshotted(rt, config)


def _same_files_or_refuse(home: Path, config: ReleaseConfig) -> None:
    """Without snapshots a rollback runs today's files: only when they are the release's own."""
    if not config.artifact.get("sha256"):
        return   # nothing recorded to compare with (an older shipmate, or a cwd too big to hash)
    now = process_artifact(Path(config.cwd), home, _spec_path(config))
    if now.get("sha256") == config.artifact.get("sha256"):
        return
    files = changed_files(config.artifact, now)
    listed = ", ".join(files) if files else "files differ"
    raise InvalidInputError(f"{config.version}'s files are not on disk any more (target.snapshot is false): "
                            f"{listed}", hint=f"restore {config.version}'s files (e.g. git checkout) and run the "
                                              "rollback again, or turn snapshots on so each release keeps its own",
                            details={"changed": files})


def _snapshotted(rt: Runtime, config: ReleaseConfig) -> ReleaseConfig:
    sha = config.artifact.get("sha256")
    if not sha:
        raise InvalidInputError(f"target.cwd holds more than {FILE_LIMIT} files: too many to snapshot",
                                hint="point target.cwd at the project itself, or set target.snapshot: false")
    project = Path(config.cwd)
    files = hashed_files(project, str(sha)) or _hashed_again(rt.home, project, str(sha), _spec_path(config))
    settings = config.target_settings
    rt.progress("snapshot", {"files": len(files.digests)})
    written = write_snapshot(rt.home, Wanted(
        service=config.service, project=project, artifact=str(sha), files=files.digests,
        shared=tuple(settings.get("shared") or ()), build=tuple(tuple(b) for b in settings.get("build") or ()),
        build_timeout_s=float(settings.get("build_timeout_s") or 600.0), build_env=_build_env(config)),
        checkpoint=crashpoints.hit)
    return dataclasses.replace(config, target_settings={**settings, SNAPSHOT_DIR: str(written.path)})


def _spec_path(config: ReleaseConfig) -> Path | None:
    spec = config.artifact.get("spec")
    return Path(str(spec)) if spec else None


def _hashed_again(home: Path, project: Path, sha: str, spec_path: Path | None) -> ArtifactFiles:
    listed = artifact_digests(project, home, spec_path)
    if isinstance(listed, tuple) or listed.sha256 != sha:
        raise InvalidInputError("the project's files changed while the release was being prepared",
                                hint="run the deploy again once the files are saved")
    return listed


def _build_env(config: ReleaseConfig) -> dict[str, str]:
    extra: dict[str, Any] = {"SHIPMATE_SERVICE": config.service, "SHIPMATE_VERSION": config.version,
                             "SHIPMATE_ENVIRONMENT": config.environment}
    return {**os.environ, **config.env, **{k: str(v) for k, v in extra.items()}}

