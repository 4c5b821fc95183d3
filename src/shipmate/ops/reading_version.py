"""`shipmate version` (current and next) and `shipmate version check`: read-only, nothing written."""

from __future__ import annotations

from shipmate.errors import InvalidInputError
from shipmate.ops.common.commit_views import nothing_sentence
from shipmate.ops.common.release_project import open_project, read_file_versions, read_state
from shipmate.ops.results.versions import FileVersion, VersionCheckResult, VersionResult


def version_show(file: str | None = None) -> VersionResult:
    """The current version (latest release tag HEAD contains, else VERSION) and the next one from the commits."""
    from shipmate.versioning.next_version import effective_bump

    project = open_project(file)
    state = read_state(project)
    bump = effective_bump(state.current, state.wanted, major_on_zero=project.settings.major_on_zero)
    unparsed = sum(1 for c in state.commits if c.kind == "unparsed")
    if state.next is None:
        message = nothing_sentence(state)
    else:
        message = f"{state.current} -> {state.next} ({bump.label}, from {len(state.commits)} commit(s))"
        if bump is not state.wanted:
            message += "; a breaking change below 1.0.0 is a minor bump (release.major_on_zero: false)"
    return VersionResult(str(state.current), state.source, state.tag,
                         None if state.next is None else str(state.next), bump.label, len(state.commits),
                         unparsed, message)


def version_check(file: str | None = None) -> VersionCheckResult:
    """Every release.version_files entry says the current version; exit 2 listing each one that does not."""
    project = open_project(file)
    state = read_state(project)
    current = str(state.current)
    files = tuple(FileVersion(declared.path, declared.kind, found, found == current)
                  for declared, _, found in read_file_versions(project))
    wrong = [f for f in files if not f.agrees]
    if wrong:
        against = state.tag or "VERSION"
        listed = ", ".join(f"{f.path} says {f.version}" for f in wrong)
        raise InvalidInputError(f"version files disagree with {against} ({current}): {listed}",
                                hint="run `shipmate version --bump` to write one version everywhere, or fix them",
                                details={"version": current, "tag": state.tag,
                                         "mismatches": [f.to_json() for f in wrong]})
    return VersionCheckResult(current, state.tag, files)
