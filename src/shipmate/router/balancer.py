"""Weighted choice of a backend per request (or per tcp connection): smooth weighted round-robin.

Smooth WRR (nginx's) is deterministic and spreads picks evenly: with weights 25/75 every block of
four requests sends exactly one to the first backend, so a canary step's share is exact even
over a few hundred requests, and the cost per pick is one pass over a handful of members.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


class Balancer(Generic[T]):
    """Picks among ``items`` by ``weight_of``; items with weight 0 are never picked by ``pick``."""

    def __init__(self, items: Sequence[T], weight_of: Callable[[T], int]) -> None:
        self.items = [item for item in items if weight_of(item) > 0]
        self.weights = [weight_of(item) for item in self.items]
        self.total = sum(self.weights)
        self.current = [0] * len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)

    def pick(self, allowed: Callable[[T], bool] | None = None) -> T | None:
        """The next item in smooth WRR order among those ``allowed`` accepts (None: none left)."""
        items, weights, current = self.items, self.weights, self.current
        if len(items) == 1:
            only = items[0]
            return only if allowed is None or allowed(only) else None
        best = -1
        total = 0
        for index, item in enumerate(items):
            if allowed is not None and not allowed(item):
                continue
            current[index] += weights[index]
            total += weights[index]
            if best < 0 or current[index] > current[best]:
                best = index
        if best < 0:
            return None
        current[best] -= total
        return items[best]
