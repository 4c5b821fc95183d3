"""`shipmate release [--dry-run | --steps-only]`: check the version files, bump from the commits since the tag
(files, changelog, commit, tag), run `release.steps` with the new version, and record a `release.*` event."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from shipmate.errors import InvalidInputError, ReleaseStepFailedError, ShipmateError
from shipmate.ops.common.commit_views import commit_views, nothing_sentence
from shipmate.ops.common.release_bumping import apply_bump, plan_bump
from shipmate.ops.common.release_project import open_project, read_state
from shipmate.ops.common.release_steps import release_environment, run_steps
from shipmate.ops.reading_version import version_check
from shipmate.ops.results.versions import NothingToRelease, ReleaseDryRun, ReleaseResult, StepRun

if TYPE_CHECKING:
    from shipmate.ops.common.release_project import ReleaseProject

RELEASE_ENVIRONMENT = "default"   # a release is the project's, not an environment's: filed like an unnamed one


def release(file: str | None = None, *, dry_run: bool = False,
            steps_only: bool = False) -> ReleaseDryRun | ReleaseResult | NothingToRelease:
    """``steps_only``: run the steps again for the release at the latest tag (after a step failed)."""
    from shipmate.versioning.next_version import effective_bump
    from shipmate.versioning.semver import tag_name

    started = time.monotonic()
    project = open_project(file)
    version_check(file)
    state = read_state(project)
    if steps_only:
        if state.commits:
            raise InvalidInputError(f"HEAD is {len(state.commits)} commit(s) past {state.tag or state.current}: "
                                    "--steps-only runs the steps for the release at HEAD",
                                    hint="check out the release tag, or run `shipmate release` for a new one")
        tag = state.tag or tag_name(project.settings.tag_format, state.current)
        return _run(project, str(state.current), str(state.current), tag, state.head, started)
    views = commit_views(state.commits)
    if state.next is None:
        return NothingToRelease(str(state.current), state.tag, nothing_sentence(state), views)
    bump = effective_bump(state.current, state.wanted, major_on_zero=project.settings.major_on_zero)
    planned = plan_bump(project, state, bump, state.next)
    if dry_run:
        unparsed = tuple(v.sha for v in views if v.kind == "unparsed")
        return ReleaseDryRun(str(state.current), str(state.next), bump.label, planned.tag, views, unparsed,
                           tuple(s.name for s in project.settings.steps))
    try:
        commit = apply_bump(project, planned)
    except ShipmateError as exc:   # undone by apply_bump; the attempt is still part of the audit trail
        _record(project, str(state.next), planned.tag, state.head, str(state.current), (),
                int((time.monotonic() - started) * 1000), f"bump: {exc.message}")
        raise
    return _run(project, str(state.current), str(state.next), planned.tag, commit, started)


def _run(project: ReleaseProject, previous: str, version: str, tag: str, commit: str,
         started: float) -> ReleaseResult:
    env = release_environment(version, previous, tag, commit)
    runs = run_steps(project.settings.steps, project.base_dir, env)
    took_ms = int((time.monotonic() - started) * 1000)
    failed = next((run for run in runs if not run.ok), None)
    _record(project, version, tag, commit, previous, runs, took_ms,
            None if failed is None else f"step {failed.name}: {_why(failed)}")
    if failed is not None:
        raise ReleaseStepFailedError(
            f"release {version}: step '{failed.name}' failed ({_why(failed)}); the steps after it did not run",
            hint=f"the commit and tag {tag} stay (local, not pushed): fix it, then `shipmate release --steps-only`",
            details={"version": version, "tag": tag, "steps": [run.to_json() for run in runs]})
    return ReleaseResult(previous, version, tag, commit, "succeeded", runs, took_ms)


def _why(run: StepRun) -> str:
    if run.exit_code is not None:
        return f"exit {run.exit_code}"
    last = run.output_tail.splitlines()[-1:] or ["no output"]
    return last[0]


def _record(project: ReleaseProject, version: str, tag: str, commit: str, previous: str,
            runs: tuple[StepRun, ...], took_ms: int, failed: str | None) -> None:
    """The audit event: `release.succeeded` or `release.failed` (``failed`` says why), with its duration and
    every step's outcome."""
    from shipmate.ops.common.workspace import Workspace, actor

    store = Workspace.locate(project.base_dir / "shipmate.yaml").open_store()
    try:
        store.append_event(
            event_type="release.failed" if failed else "release.succeeded", service=project.service,
            environment=RELEASE_ENVIRONMENT, version=version, status="failed" if failed else "succeeded",
            duration_seconds=took_ms / 1000, errors=[failed] if failed else [],
            notes=tag, deployed_by=actor(),
            data={"tag": tag, "commit": commit, "previous": previous,
                  "steps": [{"name": r.name, "ok": r.ok, "exit_code": r.exit_code, "duration_ms": r.duration_ms}
                            for r in runs]})
    finally:
        store.close()
