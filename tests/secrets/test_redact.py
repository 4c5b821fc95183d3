"""The redaction filter: every known value becomes ***, in text and in JSON-like data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shipmate.secrets import redact as r


@pytest.fixture(autouse=True)
def _no_known_values() -> Iterator[None]:
    r.forget_all()
    yield
    r.forget_all()


def test_known_values_are_masked_in_text_and_nested_data() -> None:
    r.remember("canary-secret-XYZ\n")
    assert r.redact("failed: canary-secret-XYZ!") == "failed: ***!"
    data = {"a": ["x canary-secret-XYZ", ("canary-secret-XYZ", 3)], "canary-secret-XYZ": None, "n": 1.5}
    assert r.redact_tree(data) == {"a": ["x ***", ("***", 3)], "***": None, "n": 1.5}


def test_a_longer_value_containing_a_shorter_one_is_masked_whole() -> None:
    r.remember("abcdefgh")
    r.remember("abcdefgh-and-more")
    assert r.redact("v=abcdefgh-and-more") == "v=***"


def test_short_values_are_not_filtered_so_ordinary_words_survive() -> None:
    r.remember("short")
    assert r.redact("shorter than") == "shorter than"


def test_a_value_with_quotes_is_masked_inside_json_text_too() -> None:
    r.remember('pa"ss\\word-1')
    assert r.redact('{"error": "got pa\\"ss\\\\word-1"}') == '{"error": "got ***"}'
