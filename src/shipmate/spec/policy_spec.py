"""`environments.<name>.policy`: what must be true before anything is deployed to that environment.

Pure validation only; ops/policy_gates.py asks the store, git and the clock.
"""

from __future__ import annotations

import zoneinfo
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from shipmate.spec.field_types import DnsLabel, NonEmptyText, SpecModel
from shipmate.spec.freeze_windows import FORMAT_HINT, FreezeWindow, parse_window
from shipmate.spec.quoting import quoted


def _check_window(text: str) -> str:
    try:
        parse_window(text)
    except ValueError as exc:
        raise PydanticCustomError("freeze_window", "{why}: {got}",
                                  {"why": str(exc), "got": quoted(text), "hint": FORMAT_HINT}) from None
    return text


def _check_zone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise PydanticCustomError("timezone", "unknown timezone {got}",
                                  {"got": quoted(name), "hint": "an IANA name, e.g. UTC or Europe/Berlin"}) from None
    return name


FreezeText = Annotated[NonEmptyText, AfterValidator(_check_window)]


class PolicySpec(SpecModel):
    """Gates checked before a deploy or a promotion to this environment (a rollback is never frozen)."""

    require_passed_in: DnsLabel | None = Field(
        None, description="Only deploy a release (same version, config and artifact) that passed its monitor "
        "window in this other environment; `shipmate promote` satisfies it.")
    freeze: tuple[FreezeText, ...] = Field(
        (), max_length=64, description='Windows with no deploys: "Fri 16:00-Mon 08:00" (weekly) or '
        '"2026-12-24 00:00-2026-12-27 00:00"; --override-freeze --reason TEXT passes, audited.')
    timezone: Annotated[NonEmptyText, AfterValidator(_check_zone)] = Field(
        "UTC", description="IANA timezone the freeze windows are written in.")
    allow_dirty: bool = Field(
        True, description="false: refuse when the project's git working tree has uncommitted changes "
        "(and when the project is not in a git repository).")

    def windows(self) -> tuple[FreezeWindow, ...]:
        return tuple(parse_window(text) for text in self.freeze)

    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


def check_policy_envs(policies: dict[str, PolicySpec | None]) -> None:
    """require_passed_in names another declared environment."""
    for env, policy in policies.items():
        wanted = policy.require_passed_in if policy is not None else None
        if wanted is None:
            continue
        if wanted == env or wanted not in policies:
            known = ", ".join(name for name in policies if name != env) or "none"
            raise PydanticCustomError(
                "require_passed_in", "must name another declared environment, got {got}",
                {"got": quoted(wanted), "at": ("environments", env, "policy", "require_passed_in"),
                 "hint": f"other environments: {known}"})
