"""Deployment strategies: each one a small, pure composition of plan steps (one file each)."""

from __future__ import annotations

from collections.abc import Callable

from shipmate.errors import InvalidInputError
from shipmate.plan import Plan, PlanInput
from shipmate.strategies import blue_green, canary, native, recreate, rolling
from shipmate.strategies.names import NATIVE_STRATEGIES

STRATEGIES: dict[str, Callable[[PlanInput], Plan]] = {
    blue_green.NAME: blue_green.plan,
    recreate.NAME: recreate.plan,
    canary.NAME: canary.plan,
    rolling.NAME: rolling.plan,
}


def build_plan(strategy: str, given: PlanInput) -> Plan:
    if given.native:
        if strategy not in NATIVE_STRATEGIES:
            raise InvalidInputError(f"strategy '{strategy}' needs instances shipmate starts itself",
                                    hint="this target rolls out with its engine's own update: use strategy "
                                         "rolling or recreate")
        return native.plan(given, strategy)
    try:
        builder = STRATEGIES[strategy]
    except KeyError:
        known = ", ".join(sorted(STRATEGIES))
        raise InvalidInputError(f"unknown strategy '{strategy}'", hint=f"use one of: {known}") from None
    return builder(given)
