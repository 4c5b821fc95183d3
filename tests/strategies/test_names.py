"""Strategy names are listed once (strategies/names.py): the spec, the plan builders and the schema agree."""

from __future__ import annotations

from shipmate.spec.schema import json_schema
from shipmate.strategies import STRATEGIES as BUILDERS
from shipmate.strategies.names import NATIVE_STRATEGIES, ROUTED_STRATEGIES, STRATEGIES


def test_every_listed_strategy_has_a_plan_builder_and_no_builder_is_unlisted() -> None:
    assert set(BUILDERS) == set(STRATEGIES)


def test_the_spec_schema_offers_exactly_the_listed_strategies_in_order() -> None:
    assert tuple(json_schema()["properties"]["strategy"]["enum"]) == STRATEGIES


def test_routed_and_native_strategies_are_listed_names() -> None:
    assert set(STRATEGIES) >= ROUTED_STRATEGIES
    assert set(NATIVE_STRATEGIES) <= set(STRATEGIES)
