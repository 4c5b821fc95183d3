"""Rules on the router's real traffic: error rate, latency percentiles, and canary against stable.

Mid-window a rule fails only when it is statistically certain: the observed rate's lower confidence
bound already exceeds the threshold (with at least ``min_requests``). 40 % 5xx against a 5 % limit is
certain after ~20 requests; 10 % against 5 % after ~200. At the window's end the plain rate decides.
"""

from __future__ import annotations

from collections.abc import Sequence

from shipmate.analysis import histogram
from shipmate.analysis.observations import Traffic
from shipmate.analysis.rules import Finding, Rules, lower_bound, upper_bound
from shipmate.model import Phase


def _slow(counts: tuple[int, ...], threshold_ms: float) -> int:
    """Requests certainly slower than the threshold: in buckets whose lower edge is at or above it."""
    bounds = histogram.BOUNDS_MS
    return sum(c for i, c in enumerate(counts) if i > 0 and bounds[i - 1] >= threshold_ms)


def router_findings(new: Traffic, rules: Rules, *, final: bool,
                    recent: Sequence[tuple[str, Traffic]] = ()) -> list[Finding]:
    """``new`` is the whole window so far; ``recent`` are trailing spans (e.g. the last tick) that may
    show, decisively, a release that turned bad mid-window before its good start dilutes the total."""
    out: list[Finding] = []
    if rules.error_rate is not None:
        most = rules.error_rate
        finding = _rate_finding("router", "error_rate", new.failures, new.requests, most,
                                new.requests >= rules.min_requests, final, _what(new))
        if not finding.decisive:
            for span, part in recent:
                if part.requests >= rules.min_requests and lower_bound(part.failures, part.requests) > most:
                    finding = Finding("router", "error_rate", Phase.FAIL, part.error_rate, most, part.requests,
                                      f"{span}: {_what(part)}", decisive=True)
                    break
        out.append(finding)
    for rule, q, limit in (("p95_ms", 95, rules.p95_ms), ("p99_ms", 99, rules.p99_ms)):
        if limit is not None:
            out.append(_latency_finding(rule, q, limit, new, rules, final, recent))
    return out


def _what(part: Traffic) -> str:
    return f"{part.status_5xx} 5xx + {part.errors} errors in {part.requests} requests"


def _latency_finding(rule: str, q: int, limit: float, new: Traffic, rules: Rules, final: bool,
                     recent: Sequence[tuple[str, Traffic]]) -> Finding:
    share = 1 - q / 100
    for span, part in (("window", new), *recent):
        timed = histogram.total(part.latency_counts)
        slow = _slow(part.latency_counts, limit)
        if timed >= rules.min_requests and lower_bound(slow, timed) > share:
            return Finding("router", rule, Phase.FAIL, histogram.percentile_ms(part.latency_counts, q), limit,
                           timed, f"{span}: {slow} of {timed} requests slower than {limit:g} ms", decisive=True)
    observed = histogram.percentile_ms(new.latency_counts, q)
    timed = histogram.total(new.latency_counts)
    if timed < rules.min_requests:
        return Finding("router", rule, Phase.INCONCLUSIVE, observed, limit, timed,
                       f"{timed} timed requests, need {rules.min_requests}")
    over = final and observed is not None and observed > limit
    return Finding("router", rule, Phase.FAIL if over else Phase.PASS, observed, limit, timed,
                   f"{_slow(new.latency_counts, limit)} of {timed} requests slower than {limit:g} ms")


def _rate_finding(source: str, rule: str, hits: int, n: int, limit: float, enough: bool, final: bool,
                  detail: str) -> Finding:
    rate = hits / n if n else 0.0
    if not enough:
        return Finding(source, rule, Phase.INCONCLUSIVE, rate if n else None, limit, n,
                       f"{detail}; too few requests to judge")
    certain = lower_bound(hits, n) > limit
    over = certain or (final and rate > limit)
    return Finding(source, rule, Phase.FAIL if over else Phase.PASS, rate, limit, n, detail, decisive=certain)


def canary_findings(new: Traffic, stable: Traffic | None, rules: Rules, *, final: bool) -> list[Finding]:
    """The new side's error rate minus the stable side's, both counted over the same ticks."""
    limit = rules.max_error_rate_increase
    if limit is None:
        return []
    if stable is None:
        return [Finding("canary", "max_error_rate_increase", Phase.INCONCLUSIVE, None, limit, new.requests,
                        "no stable side to compare with")]
    n = min(new.requests, stable.requests)
    detail = (f"new {new.failures}/{new.requests} failed, "
              f"stable {stable.failures}/{stable.requests} failed")
    if n < rules.min_requests:
        return [Finding("canary", "max_error_rate_increase", Phase.INCONCLUSIVE, None, limit, n,
                        f"{detail}; too few requests to judge")]
    increase = new.error_rate - stable.error_rate
    certain = (lower_bound(new.failures, new.requests) - upper_bound(stable.failures, stable.requests)) > limit
    over = certain or (final and increase > limit)
    return [Finding("canary", "max_error_rate_increase", Phase.FAIL if over else Phase.PASS, increase, limit, n,
                    detail, decisive=certain)]
