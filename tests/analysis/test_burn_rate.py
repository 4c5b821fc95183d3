"""The SRE workbook's multiwindow burn-rate alerts, as a table; and the down/up thresholds."""

from __future__ import annotations

import pytest

from shipmate.analysis.burn_rate import DAY, HOUR, MINUTE, burn_rate, evaluate
from shipmate.analysis.down_up import DownUpState, step
from shipmate.analysis.uptime_math import bucket_index, counts_of, error_budget

H, M5, M30, H6, D3 = HOUR, 5 * MINUTE, 30 * MINUTE, 6 * HOUR, 3 * DAY


def _ratios(**by: float | None) -> dict[int, float | None]:
    names = {"h1": H, "m5": M5, "m30": M30, "h6": H6, "d3": D3}
    out: dict[int, float | None] = dict.fromkeys(names.values(), 0.0)
    out.update({names[k]: v for k, v in by.items()})
    return out


# SLO 99.9 %: the budget is 0.1 % errors; 14.4x = 1.44 % errors, 6x = 0.6 %, 1x = 0.1 %.
@pytest.mark.parametrize(("ratios", "severity"), [
    (_ratios(), None),
    (_ratios(h1=0.0144, m5=0.0144), "page"),                 # exactly 14.4x on both windows
    (_ratios(h1=0.0144, m5=0.0143), None),                   # short window below: the burn stopped
    (_ratios(h1=0.0143, m5=0.5), None),                      # long window below: a blip, no page
    (_ratios(h6=0.006, m30=0.006), "page"),                  # 6x over 6 h and 30 min
    (_ratios(h6=0.006, m30=0.0059), None),
    (_ratios(d3=0.001, h6=0.001), "ticket"),                 # 1x over 3 d and 6 h
    (_ratios(d3=0.001, h6=0.0009), None),
    (_ratios(h1=0.02, m5=0.02, d3=0.002, h6=0.002), "page"), # the most severe wins
    (_ratios(h1=None, m5=0.5), None),                        # no checks in a window: never fires
])
def test_burn_rate_alerts_fire_only_when_both_windows_burn(ratios: dict[int, float | None],
                                                            severity: str | None) -> None:
    assert evaluate(99.9, ratios).severity == severity


def test_burn_rate_is_the_error_ratio_over_the_allowed_ratio() -> None:
    assert burn_rate(0.01, 99.0) == pytest.approx(1.0)
    assert burn_rate(0.0, 100.0) == 0.0 and burn_rate(0.1, 100.0) == float("inf")


def test_one_lost_probe_is_no_page_three_are_and_two_good_ones_end_it() -> None:
    state, changes = DownUpState(), []
    for ok in [False, True, False, False, True, False, False, False, True, False, True, True]:
        state, change = step(state, ok)
        changes.append(change)
    assert changes == [None, None, None, None, None, None, None, "down", None, None, None, "up"]


def test_error_budget_and_latency_buckets() -> None:
    b = error_budget(99.9, 30 * DAY, bad_seconds=600)
    assert round(b.allowed_minutes, 3) == 43.2 and b.spent_minutes == 10 and round(b.left_minutes, 3) == 33.2
    assert bucket_index(5) == 0 and bucket_index(5.1) == 1 and bucket_index(99999) == 11
    c = counts_of([(True, 3.0, 30.0), (False, None, 30.0), (False, 700.0, 30.0)])
    assert (c.checks, c.failures, c.bad_seconds, c.ratio) == (3, 2, 60.0, 1 / 3)
