"""How many instances a release runs, and the settings of the canary and rolling strategies.

Rules that span several keys (weights going up, a section that fits the strategy, surge within
replicas) raise with ``at`` in the error context: the key path, below the validated value, that
the user must change (error_messages appends it), so "canary.steps[1].weight" is named, not "canary".
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator
from pydantic.config import JsonDict
from pydantic_core import PydanticCustomError

from shipmate.spec.durations import DurationRange, default_duration
from shipmate.spec.field_types import IntRange, SpecModel
from shipmate.strategies.names import CANARY, RECREATE, ROLLING

MAX_REPLICAS = 32  # the documented bound: what one host's process target is meant to run per release
REPLICAS_HINT = f"replicas is how many instances run each release: 1 to {MAX_REPLICAS}"
DEFAULT_CANARY_STEPS: tuple[JsonDict, ...] = (
    {"weight": 10, "pause": "30s"}, {"weight": 50, "pause": "30s"},
)
STEPS_EXAMPLE = "e.g. steps: [{weight: 10, pause: 30s}, {weight: 50, pause: 30s}]"

Replicas = Annotated[int, IntRange(1, MAX_REPLICAS, REPLICAS_HINT)]


class CanaryStep(SpecModel):
    """One canary step: the new release gets ``weight`` % of requests while a window of ``pause`` is judged."""

    weight: Annotated[int, IntRange(1, 99, "a step's weight is the new release's share in % (1-99); "
                                    "after the last step it gets 100% by itself")] = Field(
        description="Percent of requests that reach the new release during this step (1-99)."
    )
    pause: Annotated[float, DurationRange("0s", "1h")] = default_duration(
        "30s", "Analysis window of this step: the new release is judged against the stable one."
    )


class Canary(SpecModel):
    """strategy: canary: shift traffic to the new release in growing steps, judging each one."""

    steps: Annotated[tuple[CanaryStep, ...], Field(max_length=20)] = Field(
        default_factory=lambda: tuple(CanaryStep.model_validate(step) for step in DEFAULT_CANARY_STEPS),
        description="Weights strictly increasing within 1-99; after the last step comes 100%.",
        json_schema_extra={"minItems": 1, "default": [*DEFAULT_CANARY_STEPS]},
    )
    sticky: bool = Field(
        False, description="Keep a client on the side it first reached (cookie shipmate_side)."
    )

    @field_validator("steps")
    @classmethod
    def _weights_go_up(cls, steps: tuple[CanaryStep, ...]) -> tuple[CanaryStep, ...]:
        if not steps:
            raise PydanticCustomError("no_canary_steps", "needs at least one step", {"hint": STEPS_EXAMPLE})
        for index in range(1, len(steps)):
            before, step = steps[index - 1].weight, steps[index].weight
            if step <= before:
                raise PydanticCustomError(
                    "canary_weights_order",
                    "must be above step {before_index}'s weight {before}, got {got}",
                    {"before_index": index - 1, "before": before, "got": step, "at": (index, "weight"),
                     "hint": "weights go up strictly from step to step, " + STEPS_EXAMPLE},
                )
        return steps


class Rolling(SpecModel):
    """strategy: rolling: replace instances a few at a time, keeping an availability floor."""

    max_unavailable: Annotated[int, IntRange(0, MAX_REPLICAS)] = Field(
        1, description="At most this many of `replicas` may be out of service at any instant (<= replicas)."
    )
    max_surge: Annotated[int, IntRange(0, MAX_REPLICAS)] = Field(
        1, description="At most this many instances above `replicas` may run at any instant (<= replicas)."
    )

    @model_validator(mode="after")
    def _can_make_progress(self) -> Rolling:
        if self.max_unavailable == 0 and self.max_surge == 0:
            raise PydanticCustomError(
                "rolling_stuck",
                "max_unavailable and max_surge are both 0: no instance could ever be replaced",
                {"hint": "set max_surge: 1 (start a new instance first) or max_unavailable: 1"},
            )
        return self


def fill_strategy_section(data: Any) -> Any:
    """strategy: canary (or rolling) without its section, or with an empty one, gets the documented defaults."""
    if not isinstance(data, dict):
        return data
    filled = dict(data)
    for name in (CANARY, ROLLING):   # a strategy with its own settings section, named like it
        if (name in data and data[name] is None) or (name not in data and data.get("strategy") == name):
            filled[name] = {}
    return filled


def check_strategy_settings(strategy: str, replicas: int, canary: Canary | None, rolling: Rolling | None,
                            overlay_replicas: dict[str, int | None]) -> None:
    """A section its strategy would ignore is a mistake, not a no-op; rolling limits fit every environment."""
    for name, section in ((CANARY, canary), (ROLLING, rolling)):
        if section is not None and strategy != name:
            raise PydanticCustomError(
                "section_without_strategy",
                "is only used by strategy: {name}, but strategy is {strategy}",
                {"name": name, "strategy": strategy, "at": (name,),
                 "hint": f"set strategy: {name} or remove {name}:"},
            )
    if rolling is not None:
        counts = {"replicas": replicas}
        counts.update({f"environments.{env}.replicas": n for env, n in overlay_replicas.items() if n is not None})
        _check_rolling_fits(rolling, counts)


def _check_rolling_fits(rolling: Rolling, counts: dict[str, int]) -> None:
    """max_unavailable and max_surge may not exceed the replicas of any environment (``counts``: key -> N)."""
    for key in ("max_unavailable", "max_surge"):
        value: int = getattr(rolling, key)
        for where, count in counts.items():
            if value > count:
                raise PydanticCustomError(
                    "rolling_above_replicas",
                    "must be at most {where} ({count}), got {got}",
                    {"where": where, "count": count, "got": value, "at": ("rolling", key),
                     "hint": f"{key} counts instances of one release; lower it or raise {where}"},
                )


SHARED_VOLUME_HINT = ("two copies would write to the same volume; use strategy: recreate (requests wait in the "
                      "router meanwhile), or set target.shared_volume_ok: true if the app can share it")


def check_one_copy(volumes: list[str], strategy: str, replicas: int, overlay_replicas: dict[str, int | None]) -> None:
    """Writable volumes without shared_volume_ok: only recreate with one replica, so one copy writes at a time."""
    if not volumes:
        return
    shown = ", ".join(volumes[:3])
    if strategy != RECREATE:
        raise PydanticCustomError(
            "shared_volume", "{strategy} runs two copies at once, which would share target.volumes ({volumes})",
            {"strategy": strategy, "volumes": shown, "at": ("strategy",), "hint": SHARED_VOLUME_HINT})
    counts: dict[tuple[str, ...], int] = {("replicas",): replicas}
    counts.update({("environments", env, "replicas"): n for env, n in overlay_replicas.items() if n is not None})
    for at, count in counts.items():
        if count > 1:
            raise PydanticCustomError(
                "shared_volume", "{count} replicas would share target.volumes ({volumes})",
                {"count": count, "volumes": shown, "at": at, "hint": SHARED_VOLUME_HINT})
