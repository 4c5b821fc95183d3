"""Durations: properties of parsing and formatting, and the bounds a field puts on them."""

from __future__ import annotations

from typing import Annotated

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from shipmate.spec.durations import DurationRange, format_duration, parse_duration

UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000}
# No deadline: a noisy 2-core machine must not turn a slow example into a failure.
# No example database: it would write .hypothesis/ into the repository.
PROPERTY = settings(deadline=None, database=None)
BOUNDED = TypeAdapter(Annotated[float, DurationRange("50ms", "1m")])


@PROPERTY
@given(st.integers(min_value=0, max_value=10**12))
def test_format_then_parse_gives_back_the_same_seconds(ms: int) -> None:
    seconds = ms / 1000
    assert parse_duration(format_duration(seconds)) == seconds


@PROPERTY
@given(st.integers(min_value=0, max_value=10**9), st.sampled_from(sorted(UNIT_MS)))
def test_parse_of_a_whole_number_and_unit(number: int, unit: str) -> None:
    assert parse_duration(f"{number}{unit}") == number * UNIT_MS[unit] / 1000


@PROPERTY
@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=999))
def test_parse_of_a_decimal_number_of_seconds(whole: int, millis: int) -> None:
    assert parse_duration(f"{whole}.{millis:03d}s") == (whole * 1000 + millis) / 1000


@PROPERTY
@given(st.integers(min_value=0, max_value=10**9))
def test_format_is_the_shortest_exact_unit(ms: int) -> None:
    text = format_duration(ms / 1000)
    unit = "ms" if text.endswith("ms") else text[-1]
    assert int(text[: -len(unit)]) * UNIT_MS[unit] == ms
    bigger = [u for u in ("s", "m", "h") if UNIT_MS[u] > UNIT_MS[unit]]
    assert all(ms % UNIT_MS[u] != 0 for u in bigger) or ms == 0


@PROPERTY
@given(st.integers(min_value=50, max_value=60_000))
def test_values_inside_the_bounds_are_accepted(ms: int) -> None:
    assert BOUNDED.validate_python(f"{ms}ms") == ms / 1000


@PROPERTY
@given(st.one_of(st.integers(min_value=0, max_value=49), st.integers(min_value=60_001, max_value=10**9)))
def test_values_outside_the_bounds_are_refused(ms: int) -> None:
    with pytest.raises(ValidationError) as caught:
        BOUNDED.validate_python(format_duration(ms / 1000))
    assert caught.value.errors()[0]["type"] == "duration_range"


@PROPERTY
@given(st.one_of(st.integers(), st.floats(allow_nan=False), st.from_regex(r"\A[0-9]{1,6}(\.[0-9]{1,3})?\Z")))
def test_bare_numbers_are_refused_with_a_hint_to_add_a_unit(value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        BOUNDED.validate_python(value)
    error = caught.value.errors()[0]
    assert error["type"] == "duration_unit"
    assert error["ctx"]["hint"] == "write it with a unit, e.g. 5s"


@pytest.mark.parametrize("text", ["", "s", "5", "5 s", "-5s", "5sec", "1.s", ".5s", "5S", "1e3ms", "5D", "5w"])
def test_malformed_text_is_not_a_duration(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_days_are_a_unit_for_long_spans_like_backup_max_age() -> None:
    assert parse_duration("7d") == 7 * 86400.0 and parse_duration("1.5d") == 1.5 * 86400.0
