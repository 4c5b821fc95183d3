"""The smoke gate's rule: a failed smoke ends the window at once, with the smoke's words; one that never ran is
inconclusive at the end, never a pass."""

from __future__ import annotations

from shipmate.analysis.observations import ProbeSample, SmokeSample
from shipmate.analysis.rules import Rules
from shipmate.analysis.smoke_rules import smoke_findings
from shipmate.analysis.window import Window, judge
from shipmate.model import Phase

RULES = Rules(duration_s=1.0, interval_s=0.1, min_samples=1)


def _window(*runs: SmokeSample) -> Window:
    window = Window(start=0.0, sources=frozenset({"probes", "smoke"}))
    window.ticks += [0.1 * n for n in range(1, 11)]
    window.probes += [ProbeSample(0.1 * n, True, 2.0) for n in range(1, 11)]
    window.smoke += runs
    return window


def test_a_failed_smoke_decides_the_window_early_and_names_what_it_said() -> None:
    verdict = judge(_window(SmokeSample(0.1, False, "http step 1/1 GET /", "greeting='bye', expected 'hi'")),
                    RULES, now=0.2, final=False)
    assert verdict is not None and verdict.phase is Phase.FAIL and verdict.decided_by == "smoke.passes"
    assert "greeting='bye'" in verdict.reasons[0]


def test_a_passing_smoke_lets_the_window_pass_and_a_missing_one_leaves_it_inconclusive() -> None:
    passed = judge(_window(SmokeSample(0.1, True, "http sequence of 1 requests")), RULES, now=1.0, final=True)
    assert passed is not None and passed.phase is Phase.PASS
    missing = judge(_window(), RULES, now=1.0, final=True)
    assert missing is not None and missing.phase is Phase.INCONCLUSIVE and missing.decided_by == "smoke.passes"
    assert smoke_findings([], final=False) == []
