"""A fixed-bucket latency histogram (HDR-style: geometric buckets, ~10 % wide), pure data.

The router records every response into one of these per backend (a C-speed ``bisect`` and an
increment); the monitor subtracts two snapshots and reads percentiles from the difference.
Fixed bounds make snapshots from different moments (and processes) directly subtractable.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence


def _bounds(low_ms: float = 0.05, high_ms: float = 120_000.0, ratio: float = 1.1) -> tuple[float, ...]:
    out: list[float] = []
    value = low_ms
    while value < high_ms:
        out.append(round(value, 4))
        value *= ratio
    out.append(high_ms)
    return tuple(out)


# Upper bounds in ms; a final +Inf bucket follows them (len(counts) == len(BOUNDS_MS) + 1).
BOUNDS_MS: tuple[float, ...] = _bounds()


class LatencyHistogram:
    """Counts of observations per bucket; ``record`` is the hot path (one bisect, one add)."""

    __slots__ = ("counts",)

    def __init__(self) -> None:
        self.counts = [0] * (len(BOUNDS_MS) + 1)

    def record(self, ms: float) -> None:
        self.counts[bisect_left(BOUNDS_MS, ms)] += 1

    def snapshot(self) -> tuple[int, ...]:
        return tuple(self.counts)


def subtract(later: Sequence[int], earlier: Sequence[int]) -> tuple[int, ...]:
    """Counts observed between two snapshots of the same histogram (earlier may be empty)."""
    if not earlier:
        return tuple(later)
    return tuple(a - b for a, b in zip(later, earlier, strict=True))


def merge(*parts: Sequence[int]) -> tuple[int, ...]:
    """Sum of several snapshots (e.g. every backend of one version); empty parts are skipped."""
    filled = [p for p in parts if p]
    if not filled:
        return ()
    return tuple(sum(column) for column in zip(*filled, strict=True))


def total(counts: Sequence[int]) -> int:
    return sum(counts)


def percentile_ms(counts: Sequence[int], q: float, bounds: Sequence[float] = BOUNDS_MS) -> float | None:
    """Upper bound of the bucket holding the q-th percentile (nearest rank); None with no data.

    Reporting the bucket's upper edge errs on the slow side by at most one bucket (~10 %), so a
    latency rule never passes a release that is really over its threshold by more than that.
    """
    n = sum(counts)
    if n == 0:
        return None
    rank = max(1, -(-n * q // 100))
    seen = 0
    for index, count in enumerate(counts):
        seen += count
        if seen >= rank:
            return float(bounds[index]) if index < len(bounds) else float("inf")
    return float("inf")  # unreachable: seen reaches n
