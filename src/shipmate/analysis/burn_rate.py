"""Multiwindow, multi-burn-rate SLO alerts as the Google SRE workbook ("Alerting on SLOs", table 5-8) sets them.

An alert fires when BOTH its long and its short window burn the error budget faster than its factor: the long
window makes it significant, the short one makes it reset soon after the burning stops.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

MINUTE, HOUR, DAY = 60, 3600, 86400


@dataclass(frozen=True)
class BurnRule:
    severity: str          # page | ticket
    factor: float          # burn rate: 1.0 spends exactly the budget over the SLO window
    long_seconds: int
    short_seconds: int


# 14.4x over 1 h spends 2 % of a 30-day budget; 6x over 6 h spends 5 %; 1x over 3 d spends 10 %.
RULES: tuple[BurnRule, ...] = (
    BurnRule("page", 14.4, HOUR, 5 * MINUTE),
    BurnRule("page", 6.0, 6 * HOUR, 30 * MINUTE),
    BurnRule("ticket", 1.0, 3 * DAY, 6 * HOUR),
)
WINDOWS: tuple[int, ...] = tuple(sorted({w for r in RULES for w in (r.long_seconds, r.short_seconds)}))


def burn_rate(error_ratio: float, target: float) -> float:
    """How many times faster than allowed the budget burns; target in percent (99.9)."""
    allowed = 1 - target / 100
    if allowed <= 0:
        return float("inf") if error_ratio > 0 else 0.0
    return error_ratio / allowed


@dataclass(frozen=True)
class BurnVerdict:
    severity: str | None               # the most severe firing alert: page > ticket > None
    rule: BurnRule | None
    rates: dict[int, float | None]     # window seconds -> burn rate (None: no checks in that window)


def evaluate(target: float, error_ratios: Mapping[int, float | None]) -> BurnVerdict:
    """``error_ratios``: window seconds -> failed/checks in that window (None when nothing was checked)."""
    rates = {w: (None if r is None else burn_rate(r, target)) for w, r in error_ratios.items()}
    for rule in RULES:   # ordered most severe first
        long_rate, short_rate = rates.get(rule.long_seconds), rates.get(rule.short_seconds)
        if long_rate is not None and short_rate is not None and long_rate >= rule.factor \
                and short_rate >= rule.factor:
            return BurnVerdict(rule.severity, rule, rates)
    return BurnVerdict(None, None, rates)
