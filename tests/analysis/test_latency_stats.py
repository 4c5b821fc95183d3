"""Nearest-rank percentiles and the latency summary."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shipmate.analysis.stats import percentile, summarize
from shipmate.errors import InvalidInputError


def test_nearest_rank_on_known_values() -> None:
    values = [15.0, 20.0, 35.0, 40.0, 50.0]
    assert percentile(values, 5) == 15.0
    assert percentile(values, 30) == 20.0
    assert percentile(values, 40) == 20.0
    assert percentile(values, 50) == 35.0
    assert percentile(values, 100) == 50.0
    assert percentile(values, 0) == 15.0


def test_p95_of_one_to_hundred_is_95() -> None:
    assert percentile([float(v) for v in range(100, 0, -1)], 95) == 95.0


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(InvalidInputError):
        percentile([], 50)
    with pytest.raises(InvalidInputError):
        percentile([1.0], 101)


@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=200), st.floats(0, 100))
def test_percentile_is_a_sample_with_at_least_q_percent_at_or_below(values: list[float], q: float) -> None:
    result = percentile(values, q)
    assert result in values
    at_or_below = sum(v <= result for v in values)
    assert at_or_below >= math.ceil(q * len(values) / 100)


def test_summary_of_samples_and_of_none() -> None:
    summary = summarize([float(v) for v in range(1, 101)])
    assert (summary.count, summary.p50, summary.p95, summary.p99, summary.max) == (100, 50.0, 95.0, 99.0, 100.0)
    assert summarize([]).as_dict() == {"count": 0, "p50_ms": None, "p95_ms": None, "p99_ms": None,
                                       "max_ms": None}
