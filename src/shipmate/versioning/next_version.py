"""The next version from the commits since the last release, with the pre-1.0 rule made explicit.

Below 1.0.0 a breaking change bumps the minor number unless `release.major_on_zero: true`
(python-semantic-release's `major_on_zero`, release-please's `bump-minor-pre-major`): 0.x promises
nothing, and leaving 0.x is a decision, not a side effect of one `!`.
"""

from __future__ import annotations

from shipmate.versioning.semver import Bump, SemVer


def effective_bump(current: SemVer, wanted: Bump, *, major_on_zero: bool) -> Bump:
    if wanted is Bump.MAJOR and current.major == 0 and not major_on_zero:
        return Bump.MINOR
    return wanted


def next_version(current: SemVer, wanted: Bump, *, major_on_zero: bool) -> SemVer | None:
    """None when nothing since the last release moves the version (only docs, chore, unparsed...)."""
    bump = effective_bump(current, wanted, major_on_zero=major_on_zero)
    if bump is Bump.NONE:
        return None
    return current.bumped(bump)
