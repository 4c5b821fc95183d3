"""Classified commits as the faces show them, and the sentence for "nothing to release"."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipmate.ops.results.versions import ChangeView, CommitView

if TYPE_CHECKING:
    from shipmate.ops.common.release_project import VersionState
    from shipmate.versioning.conventional import ClassifiedCommit


def commit_views(commits: list[ClassifiedCommit]) -> tuple[CommitView, ...]:
    return tuple(CommitView(c.short_sha, c.subject, c.kind, c.bump.label,
                            tuple(ChangeView(ch.type, ch.scope, ch.description, ch.breaking) for ch in c.changes))
                 for c in commits)


def nothing_sentence(state: VersionState) -> str:
    since = f"since {state.tag}" if state.tag else f"since {state.current} (VERSION)"
    if not state.commits:
        return f"nothing to release {since}: no commits"
    unparsed = sum(1 for c in state.commits if c.kind == "unparsed")
    loud = f"; {unparsed} could not be parsed (see `shipmate release --dry-run`)" if unparsed else ""
    return (f"nothing to release {since}: {len(state.commits)} commit(s), none a feat, fix, perf or breaking "
            f"change{loud}")
