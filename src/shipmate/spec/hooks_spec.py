"""The spec's `hooks:`, `notify:` and `confidence:` sections: how a deployment is conducted, not what runs.

They are left out of the release digest (loader.spec_digest): changing a hook or a notification URL
does not make a new release of the service.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from shipmate.spec.durations import DurationRange, default_duration
from shipmate.spec.field_types import FloatRange, NonEmptyText, SpecModel

HOOK_NAMES = ("pre_deploy", "post_deploy", "pre_rollback", "post_rollback", "on_failure")
Event = Literal["deploy.started", "deploy.succeeded", "deploy.failed", "deploy.rolled_back", "rollback.started",
                "rollback.succeeded", "approval.requested", "approval.decided", "approval.escalated",
                "backup.failed", "uptime.down", "uptime.up", "slo.page", "slo.ticket"]
EVENTS: tuple[Event, ...] = ("deploy.started", "deploy.succeeded", "deploy.failed", "deploy.rolled_back",
                             "rollback.started", "rollback.succeeded", "approval.requested", "approval.decided",
                             "approval.escalated", "backup.failed",
                             "uptime.down", "uptime.up", "slo.page", "slo.ticket")   # sent by `serve` (uptime)
WEIGHT_NAMES = ("base", "per_success", "max_success", "passed_first", "passed_min_samples", "per_soak_hour",
                "max_soak", "per_known_fix", "max_known_fix", "per_changed_key", "max_changed_keys",
                "security_change", "security_cap", "first_deploy", "per_failed_run", "max_failed_runs", "cap", "floor")


class HookCommand(SpecModel):
    """One hook command: an argv list (never a shell), run in the project folder with a time limit."""

    run: Annotated[tuple[NonEmptyText, ...], Field(min_length=1, max_length=256)] = Field(
        description='The argv list, e.g. ["./scripts/smoke.sh", "--quick"]; relative to the spec folder.'
    )
    timeout: Annotated[float, DurationRange("100ms", "1h")] = default_duration(
        "30s", "Killed after this long; a pre-hook that times out aborts the deployment."
    )


HookList = Annotated[tuple[HookCommand, ...], Field(max_length=20)]


class Hooks(SpecModel):
    """Commands around a deployment; a failing pre_* hook aborts before anything changes."""

    pre_deploy: HookList = Field((), description="Before a deploy changes anything; failure aborts it.")
    post_deploy: HookList = Field((), description="After a deploy succeeded; failure is a warning.")
    pre_rollback: HookList = Field((), description="Before a rollback changes anything; failure aborts it.")
    post_rollback: HookList = Field((), description="After a rollback succeeded; failure is a warning.")
    on_failure: HookList = Field((), description="After a deploy or rollback failed; failure is a warning.")

    def of(self, name: str) -> tuple[HookCommand, ...]:
        commands: tuple[HookCommand, ...] = getattr(self, name)
        return commands


class Notify(SpecModel):
    """Where deployment events are announced (apprise URLs, e.g. slack://..., json://host/path)."""

    urls: Annotated[tuple[NonEmptyText, ...], Field(max_length=20)] = Field(
        (), description="Apprise URLs; each event is sent to every one of them."
    )
    events: Annotated[tuple[Event, ...], Field(max_length=len(EVENTS))] = Field(
        EVENTS, description="Which events to send; default all."
    )

    @field_validator("urls")
    @classmethod
    def _has_scheme(cls, urls: tuple[str, ...]) -> tuple[str, ...]:
        for url in urls:
            if "://" not in url:
                raise PydanticCustomError("notify_url", "{got} is not an apprise URL",
                                          {"got": url[:80], "hint": "e.g. json://127.0.0.1:8080/hook or slack://..."})
        return urls


Weight = Annotated[float, FloatRange(-1, 1)]


class ConfidenceWeights(SpecModel):
    """Weights of the default confidence formula (each optional; unset ones keep the default)."""

    base: Weight | None = Field(None, description="Starting score (default 0.5).")
    per_success: Weight | None = Field(None, description="Added per previous successful deploy (default 0.05).")
    max_success: Weight | None = Field(None, description="Most the successes add (default 0.25).")
    passed_first: Weight | None = Field(None, description="Added when it passed its window in the environment "
                                                          "it must pass first (default 0.25).")
    passed_min_samples: Annotated[int, Field(ge=1, le=100000)] | None = Field(
        None, description="Samples of that window for full credit; fewer give a share (default 10).")
    per_soak_hour: Weight | None = Field(None, description="Added per hour it has run there (default 0.05).")
    max_soak: Weight | None = Field(None, description="Most the time there adds (default 0.1).")
    per_known_fix: Weight | None = Field(None, description="Added per known fix with root cause (default 0.03).")
    max_known_fix: Weight | None = Field(None, description="Most known fixes add (default 0.1).")
    per_changed_key: Weight | None = Field(None, description="Subtracted per changed config key (default 0.02).")
    max_changed_keys: Weight | None = Field(None, description="Most changed keys subtract (default 0.2).")
    security_change: Weight | None = Field(None, description="Subtracted for a security change (default 0.15).")
    security_cap: Weight | None = Field(None, description="Highest score of a security change (default 0.85).")
    first_deploy: Weight | None = Field(None, description="Subtracted for a first deploy (default 0.2).")
    per_failed_run: Weight | None = Field(None, description="Subtracted per failed run of the version (default 0.15).")
    max_failed_runs: Weight | None = Field(None, description="Most failed runs subtract (default 0.3).")
    cap: Weight | None = Field(None, description="Highest score (default 0.95).")
    floor: Weight | None = Field(None, description="Lowest score (default 0.05).")

    def given(self) -> dict[str, float]:
        return {name: float(value) for name in WEIGHT_NAMES if (value := getattr(self, name)) is not None}


class ConfidenceSpec(SpecModel):
    """How the confidence score of a deployment is computed."""

    weights: ConfidenceWeights = Field(default_factory=lambda: ConfidenceWeights.model_validate({}),
                                       description="Weights of the formula.")
