"""Conventional commits (conventionalcommits.org 1.0.0) read line by line, so none is dropped silently.

A commit's subject is one change; so is every line of its body that looks like a subject (a squash merge
lists its commits as "* fix: ..." lines: release-please #2438 kept only the first). A `BREAKING CHANGE:`
footer makes the commit breaking. A commit with no conventional line at all is `unparsed`, listed loudly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shipmate.versioning.semver import Bump

_HEADER = re.compile(r"^(?P<type>[A-Za-z][A-Za-z0-9-]*)(?:\((?P<scope>[^()\r\n]*)\))?(?P<bang>!)?: (?P<desc>\S.*)$")
_BULLET = re.compile(r"^\s*(?:[*-]\s+)?")
_BREAKING_FOOTER = re.compile(r"^BREAKING[ -]CHANGE: ?(?P<desc>.*)$")
_MERGE = re.compile(r"^Merge (?:branch|pull request|remote-tracking branch|tag) ")

# The types that move a version; the other known types (docs, chore, ci...) are changes of no bump. An unknown
# type ("wip:", a "Signed-off-by:" trailer) is no change: a commit made only of those is unparsed, shown loudly.
TYPE_BUMPS = {"feat": Bump.MINOR, "fix": Bump.PATCH, "perf": Bump.PATCH}
KNOWN_TYPES = frozenset({*TYPE_BUMPS, "docs", "style", "refactor", "test", "tests", "build", "ci", "chore", "revert",
                         "deps", "security", "remove"})


@dataclass(frozen=True)
class Change:
    type: str
    scope: str
    description: str
    breaking: bool

    @property
    def bump(self) -> Bump:
        return Bump.MAJOR if self.breaking else TYPE_BUMPS.get(self.type, Bump.NONE)


@dataclass(frozen=True)
class ClassifiedCommit:
    sha: str
    subject: str
    changes: tuple[Change, ...]
    kind: str            # conventional | merge | unparsed

    @property
    def bump(self) -> Bump:
        return max((change.bump for change in self.changes), default=Bump.NONE)

    @property
    def short_sha(self) -> str:
        return self.sha[:7]


def parse_header(line: str) -> Change | None:
    found = _HEADER.match(line.strip())
    if found is None or found["type"].lower() not in KNOWN_TYPES:
        return None
    return Change(found["type"].lower(), (found["scope"] or "").strip(), found["desc"].strip(),
                  breaking=found["bang"] is not None)


def classify(sha: str, message: str) -> ClassifiedCommit:
    lines = message.strip("\n").splitlines() or [""]
    subject = lines[0].strip()
    head = parse_header(subject)
    changes: list[Change] = [head] if head is not None else []
    breaking_note = ""
    for line in lines[1:]:
        if ":" not in line:
            continue   # most body lines are prose: no regex for them (10,000 commits in a fraction of a second)
        footer = _BREAKING_FOOTER.match(line.strip())
        if footer is not None:
            breaking_note = footer["desc"].strip() or "breaking change"
            continue
        inner = parse_header(_BULLET.sub("", line, count=1))
        if inner is not None:
            changes.append(inner)
    if breaking_note:
        if changes:
            first = changes[0]
            changes[0] = Change(first.type, first.scope, first.description, breaking=True)
        else:
            changes.append(Change("breaking", "", breaking_note, breaking=True))
    if changes:
        return ClassifiedCommit(sha, subject, tuple(changes), "conventional")
    return ClassifiedCommit(sha, subject, (), "merge" if _MERGE.match(subject) else "unparsed")


def release_bump(commits: list[ClassifiedCommit]) -> Bump:
    return max((commit.bump for commit in commits), default=Bump.NONE)
