"""The changelog section: Keep-a-Changelog groups by type, short hashes, prepended above the last release."""

from __future__ import annotations

from shipmate.versioning.changelog import HEADER, prepend, section
from shipmate.versioning.conventional import classify

COMMITS = [classify("aaaaaaa111", "feat(api): export"), classify("bbbbbbb222", "fix: crash\n\n* fix(db): leak"),
           classify("ccccccc333", "docs: readme"), classify("ddddddd444", "perf!: new index")]


def test_a_section_groups_changes_by_type_with_short_hashes() -> None:
    text = section("1.3.0", "2026-12-06", COMMITS)
    assert text.startswith("## [1.3.0] - 2026-12-06\n")
    assert text.index("### BREAKING CHANGES") < text.index("### Added") < text.index("### Fixed")
    assert "- **api:** export (aaaaaaa)" in text
    assert "- crash (bbbbbbb)" in text and "- **db:** leak (bbbbbbb)" in text
    assert "- new index (ddddddd)" in text
    assert "readme" not in text   # docs are not a user-visible change


def test_a_new_changelog_gets_the_header() -> None:
    assert prepend(None, "## [1.0.0] - x\n\n").startswith(HEADER + "## [1.0.0]")


def test_the_section_goes_above_the_last_release_and_below_unreleased() -> None:
    old = "# Changelog\n\nIntro.\n\n## [Unreleased]\n\n- wip\n\n## [1.2.0] - 2026-01-01\n\n- old\n"
    new = prepend(old, "## [1.3.0] - 2026-12-06\n\n### Added\n\n- x\n\n")
    assert new.index("## [Unreleased]") < new.index("## [1.3.0]") < new.index("## [1.2.0]")
    assert new.replace("## [1.3.0] - 2026-12-06\n\n### Added\n\n- x\n\n", "") == old
