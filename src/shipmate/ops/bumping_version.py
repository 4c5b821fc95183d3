"""`shipmate version --bump auto|major|minor|patch [--dry-run]`: version files, changelog, commit, tag."""

from __future__ import annotations

from shipmate.ops.common.commit_views import commit_views, nothing_sentence
from shipmate.ops.common.release_bumping import apply_bump, diff_of, plan_bump, wanted_bump
from shipmate.ops.common.release_project import open_project, read_state
from shipmate.ops.results.versions import BumpResult, NothingToRelease


def version_bump(file: str | None = None, *, level: str = "auto",
                 dry_run: bool = False) -> BumpResult | NothingToRelease:
    """`auto` takes the bump the commits since the tag ask for; none asked for is exit 0 with a sentence."""
    project = open_project(file)
    state = read_state(project)
    bump, version = wanted_bump(state, level, project.settings.major_on_zero)
    if version is None:
        return NothingToRelease(str(state.current), state.tag, nothing_sentence(state), commit_views(state.commits))
    planned = plan_bump(project, state, bump, version)
    files = tuple(path for path, _, _ in planned.writes)
    if dry_run:
        return BumpResult(str(state.current), str(version), bump.label, planned.tag, True, files,
                          len(state.commits), diff=diff_of(planned))
    commit = apply_bump(project, planned)
    return BumpResult(str(state.current), str(version), bump.label, planned.tag, False, files, len(state.commits),
                      commit=commit)
