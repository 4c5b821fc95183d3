"""Commit messages are read as conventional commits line by line; nothing is dropped silently."""

from __future__ import annotations

from typing import Any

import pytest

from shipmate.versioning.conventional import classify, release_bump
from shipmate.versioning.semver import Bump
from tests.versioning.version_cases import cases


@pytest.mark.parametrize("case", cases("commits.yaml"))
def test_a_commit_message_is_classified_as_its_case_says(case: dict[str, Any]) -> None:
    commit = classify("0123456789abcdef", case["message"])
    assert commit.kind == case["kind"]
    assert commit.bump.label == case["bump"]
    assert [[c.type, c.scope, c.description, c.breaking] for c in commit.changes] == case["changes"]
    assert commit.subject == case["message"].splitlines()[0].strip()
    assert commit.short_sha == "0123456"


def test_the_release_bump_is_the_largest_change() -> None:
    commits = [classify("a", "docs: x"), classify("b", "fix: y"), classify("c", "feat: z"), classify("d", "chore")]
    assert release_bump(commits) is Bump.MINOR
    assert release_bump([classify("a", "docs: x")]) is Bump.NONE
    assert release_bump([]) is Bump.NONE
    assert release_bump([*commits, classify("e", "fix!: w")]) is Bump.MAJOR
