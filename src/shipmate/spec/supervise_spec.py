"""The spec's `supervise:` section: how `shipmate serve` watches the current release after the deploy.

Like `hooks:` and `notify:` it says how the service is looked after, not what runs: it is left out of the
release digest (loader.spec_digest), and `serve` reads it from today's shipmate.yaml.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from shipmate.spec.durations import DurationRange, default_duration
from shipmate.spec.field_types import IntRange, SpecModel

Count = Annotated[int, IntRange(1, 100)]


class CrashLoopSpec(SpecModel):
    """So many deaths within so long make a crash loop."""

    deaths: Count = Field(3, description="Deaths of the release's instances that make a crash loop.")
    within: Annotated[float, DurationRange("1s", "24h")] = default_duration(
        "5m", "The window the deaths are counted in.")


class SuperviseSpec(SpecModel):
    """Restarts, liveness and the automatic rollback of a crash-looping release (`shipmate serve`)."""

    interval: Annotated[float, DurationRange("100ms", "1h")] = default_duration(
        "10s", "How often the release's level 1-3 checks run on each instance.")
    failure_threshold: Count = Field(3, description="Failed liveness rounds in a row that restart an instance.")
    crash_loop: CrashLoopSpec = Field(default_factory=lambda: CrashLoopSpec.model_validate({}),
                                      description="What counts as a crash loop.")
    rollback_within: Annotated[float, DurationRange("0s", "720h")] = default_duration(
        "1h", "A release current for less than this that crash-loops is rolled back by itself (0s: never).")
    backoff_max: Annotated[float, DurationRange("0s", "1h")] = default_duration(
        "30s", "Restarts wait 0, 1, 2, 4... seconds, up to this.")
    healthy_reset: Annotated[float, DurationRange("1s", "24h")] = default_duration(
        "60s", "Running this long without dying starts the backoff over.")
