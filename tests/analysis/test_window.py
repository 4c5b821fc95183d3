from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from shipmate.analysis.window import Sample, Thresholds, evaluate, percentile
from shipmate.model import Phase

CASES = yaml.safe_load((Path(__file__).parent / "window_cases.yaml").read_text())


def _samples(raw: list[list[object]]) -> list[Sample]:
    return [Sample(ok=bool(r[0]), latency_ms=float(r[1]),  # type: ignore[arg-type]
                   detail="x", fatal=bool(r[2]) if len(r) > 2 else False) for r in raw]


def _rules(raw: dict[str, float]) -> Thresholds:
    return Thresholds(error_rate=raw["error_rate"], p95_ms=raw["p95_ms"], min_samples=int(raw["min_samples"]),
                      expected_samples=int(raw["expected"]))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_window_verdicts_match_the_table(case: dict) -> None:
    samples, rules = _samples(case["samples"]), _rules(case["rules"])
    final = evaluate(samples, rules, final=True)
    assert final is not None and final.phase == Phase(case["final"])
    early = evaluate(samples, rules, final=False)
    assert (early.phase.value if early else None) == case["early"]


@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=200),
       st.floats(min_value=1, max_value=100))
def test_percentile_is_one_of_the_values_and_monotonic(values: list[float], q: float) -> None:
    p = percentile(values, q)
    assert p in values
    assert percentile(values, min(100.0, q + 1)) >= p


@given(st.lists(st.booleans(), min_size=1, max_size=100))
def test_a_window_that_passes_never_has_an_error_rate_above_the_threshold(oks: list[bool]) -> None:
    samples = [Sample(ok=o, latency_ms=1.0) for o in oks]
    rules = Thresholds(error_rate=0.1, p95_ms=100, min_samples=1, expected_samples=len(oks))
    verdict = evaluate(samples, rules, final=True)
    assert verdict is not None
    if verdict.phase is Phase.PASS:
        assert verdict.error_rate <= 0.1
