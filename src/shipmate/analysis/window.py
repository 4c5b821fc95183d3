"""Monitor-window rules: samples in, verdict out. Pure, so every edge is testable."""

from __future__ import annotations

from dataclasses import dataclass

from shipmate.model import Phase, Verdict


@dataclass(frozen=True)
class Sample:
    """One tick of the window: did the release answer, and how fast."""

    ok: bool
    latency_ms: float
    detail: str = ""
    fatal: bool = False          # the instance is gone: no later sample can redeem the window


@dataclass(frozen=True)
class Thresholds:
    error_rate: float
    p95_ms: float
    min_samples: int
    expected_samples: int        # ticks the full window will take; lets us fail early


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile: the value below which q percent of samples fall."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil without floats drifting
    return ordered[int(rank) - 1]


def evaluate(samples: list[Sample], rules: Thresholds, *, final: bool) -> Verdict | None:
    """Decide the window; mid-window (final=False) returns a FAIL as soon as it is certain, else None."""
    n = len(samples)
    errors = sum(1 for s in samples if not s.ok)
    rate = errors / n if n else 0.0
    ok_latencies = [s.latency_ms for s in samples if s.ok]
    p95 = percentile(ok_latencies, 95) if ok_latencies else None
    fatal = next((s for s in samples if s.fatal), None)
    if fatal is not None:
        return Verdict(Phase.FAIL, (f"instance gone: {fatal.detail}",), n, rate, p95)
    # Errors so far already exceed what the whole window may hold: waiting cannot help.
    allowed = rules.error_rate * max(rules.expected_samples, n)
    if errors > allowed and n >= min(rules.min_samples, rules.expected_samples):
        last = next((s.detail for s in reversed(samples) if not s.ok), "")
        return Verdict(Phase.FAIL, (f"error rate {rate:.0%} > {rules.error_rate:.0%} ({last})",), n, rate, p95)
    if not final:
        return None
    if n < rules.min_samples:
        # Too little evidence is its own answer (Flagger's "no values found" stall); the caller
        # decides what inconclusive means for this service (on_inconclusive).
        return Verdict(Phase.INCONCLUSIVE, (f"only {n} samples, need {rules.min_samples}",), n, rate, p95)
    reasons: list[str] = []
    if rate > rules.error_rate:
        reasons.append(f"error rate {rate:.0%} > {rules.error_rate:.0%}")
    if p95 is not None and p95 > rules.p95_ms:
        reasons.append(f"p95 {p95:.0f} ms > {rules.p95_ms:.0f} ms")
    if reasons:
        return Verdict(Phase.FAIL, tuple(reasons), n, rate, p95)
    return Verdict(Phase.PASS, (), n, rate, p95)
