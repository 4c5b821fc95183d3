"""What `shipmate version` (current, next, check, bump) and `shipmate release` return."""

from __future__ import annotations

from dataclasses import dataclass, field

from shipmate.ops.results.json_result import OMIT_IF_NONE, JsonResult


@dataclass(frozen=True)
class ChangeView(JsonResult):
    type: str
    scope: str
    description: str
    breaking: bool


@dataclass(frozen=True)
class CommitView(JsonResult):
    """One commit since the last release: `conventional`, `merge` (skipped) or `unparsed` (listed loudly)."""

    sha: str
    subject: str
    kind: str
    bump: str                      # none | patch | minor | major
    changes: tuple[ChangeView, ...]


@dataclass(frozen=True)
class VersionResult(JsonResult):
    version: str                   # the current version
    source: str                    # tag | file (no release tag yet: the VERSION file)
    tag: str | None                # the latest release tag HEAD contains
    next_version: str | None       # None: nothing to release since the tag
    bump: str                      # what the commits since the tag ask for, after the pre-1.0 rule
    commits: int
    unparsed: int                  # commits with no conventional line: not counted in the bump
    message: str


@dataclass(frozen=True)
class FileVersion(JsonResult):
    path: str
    kind: str
    version: str
    agrees: bool


@dataclass(frozen=True)
class VersionCheckResult(JsonResult):
    version: str
    tag: str | None
    files: tuple[FileVersion, ...]


@dataclass(frozen=True)
class BumpResult(JsonResult):
    previous: str
    version: str
    bump: str
    tag: str
    dry_run: bool
    files: tuple[str, ...]         # every file written (the version files, then the changelog)
    commits: int
    commit: str | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)   # the release commit
    diff: str | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)     # --dry-run only


@dataclass(frozen=True)
class NothingToRelease(JsonResult):
    """Exit 0: no feat/fix/perf/breaking change since the tag is not an error (commitizen #642)."""

    version: str
    tag: str | None
    message: str
    commits: tuple[CommitView, ...]
    nothing_to_release: bool = True


@dataclass(frozen=True)
class StepRun(JsonResult):
    name: str
    argv: tuple[str, ...]
    ok: bool
    exit_code: int | None          # None: it did not start, or was killed at its timeout
    duration_ms: int
    output_tail: str               # its last lines (stdout and stderr)


@dataclass(frozen=True)
class ReleaseDryRun(JsonResult):
    """`shipmate release --dry-run`: every commit since the tag, classified; the version and steps it would run."""

    version: str
    next_version: str
    bump: str
    tag: str
    commits: tuple[CommitView, ...]
    unparsed: tuple[str, ...]      # short hashes of the commits nothing could be read from
    steps: tuple[str, ...]
    dry_run: bool = True


@dataclass(frozen=True)
class ReleaseResult(JsonResult):
    previous: str
    version: str
    tag: str
    commit: str
    outcome: str                   # succeeded (a failure is an error with these details)
    steps: tuple[StepRun, ...]
    duration_ms: int
