"""Samples on their way to the store: batched, and kept in memory while the store is unreachable.

Up to MAX_BUFFERED samples wait (at 50 services every 5 s that is over 3 minutes); beyond that the oldest are
dropped and counted as lost in their hour's rollup once the store answers again, never as checks and never a
crash.
"""

from __future__ import annotations

import logging
from collections import Counter, deque
from typing import TYPE_CHECKING

from shipmate.analysis.uptime_math import hour_of
from shipmate.errors import ShipmateError
from shipmate.store.uptime_rows import UptimeSample

if TYPE_CHECKING:
    from shipmate.store.store import Store

log = logging.getLogger("shipmate.serve")
MAX_BUFFERED = 2000


class SampleBuffer:
    def __init__(self, max_buffered: int = MAX_BUFFERED) -> None:
        self._samples: deque[UptimeSample] = deque()
        self._lost: Counter[tuple[str, str, int]] = Counter()
        self._max = max_buffered
        self.failing_since: float | None = None   # monotonic: when the store first refused, for the log
        self.oldest_unflushed: float | None = None   # wall time of the oldest sample written since the last rollup

    def add(self, sample: UptimeSample) -> None:
        self._samples.append(sample)
        while len(self._samples) > self._max:
            dropped = self._samples.popleft()
            self._lost[(dropped.service, dropped.environment, hour_of(dropped.at))] += 1

    def __len__(self) -> int:
        return len(self._samples)

    @property
    def lost(self) -> int:
        return sum(self._lost.values())

    def flush(self, store: Store, now_mono: float) -> bool:
        """Write what waits; False (nothing lost, all kept) when the store refuses."""
        batch = list(self._samples)
        try:
            store.uptime.record(batch)
            for _ in batch:   # written: never written twice, whatever happens to the lost counts below
                self._samples.popleft()
            if batch:
                first = min(s.at for s in batch)
                self.oldest_unflushed = first if self.oldest_unflushed is None else min(first, self.oldest_unflushed)
            for (service, environment, hour), count in list(self._lost.items()):
                store.uptime.record_lost(service, environment, float(hour), count)
                del self._lost[(service, environment, hour)]
        except ShipmateError as exc:
            if self.failing_since is None:
                self.failing_since = now_mono
                log.warning("uptime: the store refused %d sample(s): %s (kept in memory, up to %d)",
                            len(self._samples), exc.message, self._max)
            return False
        if self.failing_since is not None:
            log.info("uptime: the store answers again after %.0fs", now_mono - self.failing_since)
            self.failing_since = None
        return True
