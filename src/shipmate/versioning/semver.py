"""Semantic versions (semver.org 2.0.0): parse, order, bump, and the tag names they are written as."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum

from shipmate.errors import InvalidInputError

# semver.org's own regular expression (no leading zeros, dot-separated pre-release and build identifiers).
_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$")


class Bump(IntEnum):
    """How much a change moves the version; ordered, so the largest change of a release wins."""

    NONE = 0
    PATCH = 1
    MINOR = 2
    MAJOR = 3

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class SemVer:
    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()
    build: str = ""

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += "-" + ".".join(self.prerelease)
        return text + (f"+{self.build}" if self.build else "")

    def precedence(self) -> tuple[int, int, int, int, tuple[tuple[int, int, str], ...]]:
        """A sort key in semver precedence: a pre-release sorts before its release; build metadata is ignored."""
        ids = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.prerelease)
        return (self.major, self.minor, self.patch, 0 if self.prerelease else 1, ids)

    def bumped(self, bump: Bump) -> SemVer:
        """The next version (npm's rule for a pre-release: 1.2.0-rc.1 + patch is 1.2.0, its own release)."""
        pre = bool(self.prerelease)
        if bump is Bump.MAJOR:
            if pre and self.minor == 0 and self.patch == 0:
                return SemVer(self.major, 0, 0)
            return SemVer(self.major + 1, 0, 0)
        if bump is Bump.MINOR:
            if pre and self.patch == 0:
                return SemVer(self.major, self.minor, 0)
            return SemVer(self.major, self.minor + 1, 0)
        if bump is Bump.PATCH:
            return SemVer(self.major, self.minor, self.patch if pre else self.patch + 1)
        return self


def parse_semver(text: str) -> SemVer | None:
    found = _SEMVER.match(text)
    if found is None:
        return None
    major, minor, patch, pre, build = found.groups()
    return SemVer(int(major), int(minor), int(patch), tuple(pre.split(".")) if pre else (), build or "")


def check_tag_format(tag_format: str) -> str | None:
    """What is wrong with a `release.tag_format` (None: fine): it must hold {version} exactly once."""
    if tag_format.count("{version}") != 1:
        return "must contain {version} exactly once"
    prefix, suffix = tag_format.split("{version}")
    if re.search(r"[\s~^:?*\[\\{}]", prefix + suffix) or ".." in tag_format:
        return "holds a character git does not allow in a tag name"
    return None


def tag_name(tag_format: str, version: SemVer) -> str:
    return tag_format.replace("{version}", str(version))


@dataclass(frozen=True)
class TagReading:
    """The release tags among a repository's tags: valid versions, and names that look like one but are not."""

    versions: dict[str, SemVer]
    malformed: tuple[str, ...]

    def latest(self) -> tuple[str, SemVer] | None:
        if not self.versions:
            return None
        name = max(self.versions, key=lambda tag: self.versions[tag].precedence())
        return name, self.versions[name]


def read_tags(names: list[str], tag_format: str) -> TagReading:
    """Tags of the form ``tag_format``: a version that is not semver there (v1.2, v01.2.3) is malformed;
    tags of other forms (a `nightly`, `deploy-42`) are not release tags and are left out."""
    prefix, suffix = tag_format.split("{version}")
    versions: dict[str, SemVer] = {}
    malformed: list[str] = []
    for name in names:
        if not (name.startswith(prefix) and name.endswith(suffix)) or len(name) <= len(prefix) + len(suffix):
            continue
        inner = name[len(prefix):len(name) - len(suffix)]
        if not inner[:1].isdigit():
            continue
        parsed = parse_semver(inner)
        if parsed is None:
            malformed.append(name)
        else:
            versions[name] = parsed
    return TagReading(versions, tuple(sorted(malformed)))


def require_semver(text: str, where: str) -> SemVer:
    parsed = parse_semver(text)
    if parsed is None:
        raise InvalidInputError(f"{where}: '{text[:60]}' is not a semantic version (MAJOR.MINOR.PATCH)",
                                hint="write it like 1.4.2 or 2.0.0-rc.1")
    return parsed
