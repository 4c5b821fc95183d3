"""The spec's `uptime:` and `slo:` sections: how `shipmate serve` probes the service from outside, and its goal.

Like `supervise:` they say how the service is watched, not what runs: left out of the release digest, read by
`serve` and `shipmate uptime` from today's shipmate.yaml.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, field_validator

from shipmate.spec.durations import DurationRange, default_duration, parse_duration
from shipmate.spec.field_types import FloatRange, IntRange, SpecModel

WINDOW_RANGE = DurationRange("1h", "400d")


class UptimeSpec(SpecModel):
    """The outside probe: the spec's application check through the public port, every `interval`."""

    enabled: bool = Field(True, description="Probe this service from `shipmate serve` (false: no uptime data).")
    interval: Annotated[float, DurationRange("5s", "1h")] = default_duration(
        "30s", "How often the public port is checked.")
    timeout: Annotated[float, DurationRange("100ms", "60s")] = default_duration(
        "5s", "A check slower than this fails (a hanging service is bounded by it).")
    raw_retention: Annotated[float, DurationRange("1d", "90d")] = default_duration(
        "7d", "How long each check is kept; after that only its hour's rollup (kept 400 days).")
    failure_threshold: Annotated[int, IntRange(1, 100)] = Field(
        3, description="Failed checks in a row that make the service down (one lost probe is no page).")
    success_threshold: Annotated[int, IntRange(1, 100)] = Field(
        2, description="Good checks in a row that make it up again.")


class SloSpec(SpecModel):
    """The service level objective: the share of good checks over a rolling window or the calendar month."""

    target: Annotated[float, FloatRange(1, 100)] = Field(
        99.9, description="Percent of checks that must pass, e.g. 99.9 (at most 100).")
    window: str = Field("30d", description="Rolling window (30d, 7d; 1h to 400d) or `month` (calendar month, UTC).")

    @field_validator("window", mode="before")
    @classmethod
    def _window(cls, value: Any) -> str:
        if value == "month":
            return "month"
        WINDOW_RANGE.to_seconds(value)   # raises the unit/format/range error (window: 0s -> "between 1h and 400d")
        return str(value).strip()

    @property
    def window_seconds(self) -> float | None:
        """Seconds of a rolling window; None for the calendar month."""
        return None if self.window == "month" else parse_duration(self.window)
