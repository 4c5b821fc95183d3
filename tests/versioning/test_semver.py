"""Semantic versions: parsing, precedence, tags and the next version (the pre-1.0 rule included)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shipmate.errors import InvalidInputError
from shipmate.versioning.next_version import next_version
from shipmate.versioning.semver import Bump, SemVer, check_tag_format, parse_semver, read_tags, require_semver
from tests.versioning.version_cases import cases


@pytest.mark.parametrize("case", cases("bumps.yaml"))
def test_the_next_version_is_as_its_case_says(case: dict[str, Any]) -> None:
    current = parse_semver(case["current"])
    assert current is not None
    found = next_version(current, Bump[case["wanted"].upper()], major_on_zero=case["major_on_zero"])
    assert (None if found is None else str(found)) == case["next"]


@pytest.mark.parametrize("text", ["1.2", "1.2.3.4", "01.2.3", "1.2.3-", "v1.2.3", "1.2.3-01", ""])
def test_what_is_not_semver_is_refused(text: str) -> None:
    assert parse_semver(text) is None
    with pytest.raises(InvalidInputError) as caught:
        require_semver(text, "VERSION")
    assert "\n" not in caught.value.message and caught.value.hint


def test_precedence_follows_semver_org() -> None:
    ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
               "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "2.0.0"]
    parsed = [parse_semver(text) for text in ordered]
    assert all(p is not None for p in parsed)
    keys = [p.precedence() for p in parsed if p is not None]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)


versions = st.builds(SemVer, st.integers(0, 50), st.integers(0, 50), st.integers(0, 50),
                     st.lists(st.sampled_from(["rc", "1", "beta", "2"]), max_size=2).map(tuple))


@given(versions, st.sampled_from([Bump.PATCH, Bump.MINOR, Bump.MAJOR]), st.booleans())
def test_a_bump_always_moves_forward_to_a_release(current: SemVer, bump: Bump, major_on_zero: bool) -> None:
    found = next_version(current, bump, major_on_zero=major_on_zero)
    assert found is not None
    assert found.precedence() > current.precedence()
    assert found.prerelease == () and parse_semver(str(found)) == found


def test_release_tags_are_read_through_the_tag_format() -> None:
    tags = read_tags(["v1.0.0", "v1.10.0", "v1.9.0", "nightly", "deploy-42", "v2.0.0-rc.1", "vendor"], "v{version}")
    assert tags.malformed == ()
    assert tags.latest() == ("v2.0.0-rc.1", SemVer(2, 0, 0, ("rc", "1")))
    assert read_tags(["api-v1.2.3", "v9.0.0"], "api-v{version}").latest() == ("api-v1.2.3", SemVer(1, 2, 3))
    assert read_tags(["v1.2", "v1.2.3"], "v{version}").malformed == ("v1.2",)
    assert read_tags([], "v{version}").latest() is None


@pytest.mark.parametrize(("tag_format", "problem"), [("v{version}", None), ("{version}", None),
                                                     ("v", "exactly once"), ("{version}{version}", "exactly once"),
                                                     ("rel {version}", "does not allow")])
def test_a_tag_format_holds_the_version_once_and_only_tag_characters(tag_format: str, problem: str | None) -> None:
    found = check_tag_format(tag_format)
    assert found is None if problem is None else (found is not None and problem in found)
