from pathlib import Path

import pytest
import yaml

from shipmate.errors import InvalidInputError
from shipmate.plan import Plan, PlanInput, down_plan
from shipmate.strategies import STRATEGIES, build_plan

CASES = yaml.safe_load((Path(__file__).parent / "plan_cases.yaml").read_text())


def _input(**over: object) -> PlanInput:
    base: dict[str, object] = dict(service="web", environment="default", version="2.0.0", kind="deploy",
                                   port=8080, drain_s=5, stop_grace_s=3, health_deadline_s=30, monitor_s=10)
    base.update(over)
    return PlanInput(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_strategy_builds_exactly_the_expected_plan(case: dict) -> None:
    given = {k: tuple(tuple(v) if isinstance(v, list) else v for v in val) if isinstance(val, list) else val
             for k, val in case["input"].items()}
    plan = build_plan(case["strategy"], _input(**given))
    expected = [[name, args, sorted(flags[0]) if flags else []] for name, args, *flags in case["steps"]]
    assert [[s.name, s.args, sorted(s.flags)] for s in plan.steps] == expected
    assert plan.downtime == case["downtime"]
    assert plan.strategy == case["strategy"]


@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
def test_plans_round_trip_through_their_stored_form(strategy: str) -> None:
    plan = build_plan(strategy, _input(previous_version="1.0.0", previous_running=True))
    assert Plan.from_dict(plan.as_dict()) == plan


def test_every_step_explains_why_it_is_there() -> None:
    for strategy in STRATEGIES:
        for step in build_plan(strategy, _input(previous_running=True)).steps:
            assert step.why


@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
def test_every_deploy_plan_has_one_commit_point_and_abort_steps_that_restore_the_previous_set(strategy: str) -> None:
    plan = build_plan(strategy, _input(previous_version="1.0.0", previous_running=True, replicas=3,
                                       previous_replicas=2, previous_instance_ids=("a", "b"),
                                       canary_steps=((20, 5.0),)))
    assert sum(1 for s in plan.steps if s.has("commit_point")) == 1
    assert plan.commit_index() is not None and plan.steps[plan.commit_index() + 1].name == "promote"
    assert [(s.name, s.args.get("replicas")) for s in plan.abort_steps] == [("restore_previous", 2),
                                                                             ("stop_new", None)]
    assert not any(s.has("cleanup") for s in plan.steps[:plan.commit_index() + 1])


def test_unknown_strategy_is_invalid_input_with_the_known_ones_in_the_hint() -> None:
    with pytest.raises(InvalidInputError) as err:
        build_plan("shadow", _input())
    assert "blue-green" in (err.value.hint or "")


def test_down_closes_the_route_before_stopping_instances() -> None:
    names = [s.name for s in down_plan("web", "default", "1", 8080, 5, 3).steps]
    assert names == ["route_down", "stop_all", "clear_current"]


def test_a_plan_stored_before_replicas_reads_back_with_flags_and_abort_steps() -> None:
    old = {"service": "web", "environment": "default", "version": "2.0.0", "kind": "deploy",
           "strategy": "blue-green", "previous_version": "1.0.0", "downtime": False, "steps": [
               {"name": "preflight", "args": {"port": 8080}, "why": ""},
               {"name": "start_instance", "args": {"version": "2.0.0"}, "why": ""},
               {"name": "wait_healthy", "args": {"deadline_s": 30}, "why": ""},
               {"name": "switch_route", "args": {"port": 8080}, "why": ""},
               {"name": "monitor", "args": {"duration_s": 10}, "why": ""},
               {"name": "promote", "args": {"version": "2.0.0"}, "why": ""},
               {"name": "drain_old", "args": {"timeout_s": 5, "instance_id": "ins_old"}, "why": ""},
               {"name": "stop_old", "args": {"grace_s": 3, "instance_id": "ins_old"}, "why": ""}]}
    plan = Plan.from_dict(old)
    assert [(s.name, sorted(s.flags)) for s in plan.steps] == [
        ("preflight", []), ("start_instances", []), ("wait_healthy", []), ("switch_route", []),
        ("monitor", ["commit_point"]), ("promote", []), ("drain_old", ["cleanup", "waits"]),
        ("stop_old", ["cleanup"])]
    assert plan.steps[1].args == {"version": "2.0.0", "total": 1}
    assert plan.retired_instance_ids() == ("ins_old",)
    assert [s.name for s in plan.abort_steps] == ["restore_previous", "stop_new"]
