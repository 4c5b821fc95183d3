"""The stack file: dependency order (dependencies first, file order among equals) and its bad input, by key path."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shipmate.errors import SpecError
from shipmate.spec.stack_file import check_ports, is_stack_file, load_stack, parse_stack

FILE = Path("/project/shipmate.stack.yaml")


def _stack(services: dict[str, object]) -> dict[str, object]:
    return {"stack": "shop", "services": services}


def test_dependencies_come_first_and_independent_services_keep_their_file_order() -> None:
    stack = parse_stack(_stack({"web": {"spec": "web/shipmate.yaml", "depends_on": ["api", "db"]},
                                "worker": {"spec": "w.yaml"},
                                "api": {"spec": "api/shipmate.yaml", "depends_on": ["db"]},
                                "db": {"spec": "db.yaml"}}), FILE)
    assert stack.order == ["worker", "db", "api", "web"]
    assert stack.member("web").spec == Path("/project/web/shipmate.yaml")


def test_compose_long_form_keeps_each_condition() -> None:
    stack = parse_stack(_stack({"web": {"spec": "w.yaml", "depends_on": {"api": {"condition": "service_started"},
                                                                         "db": None}},
                                "api": {"spec": "a.yaml"}, "db": {"spec": "d.yaml"}}), FILE)
    assert dict(stack.member("web").conditions) == {"api": "service_started", "db": "service_healthy"}


@pytest.mark.parametrize(("services", "path", "words"), [
    ({"a": {"spec": "a.yaml", "depends_on": ["b"]}, "b": {"spec": "b.yaml", "depends_on": ["a"]}},
     "services.a.depends_on", "cycle: a -> b -> a"),
    ({"a": {"spec": "a.yaml", "depends_on": ["b"]}, "b": {"spec": "b.yaml", "depends_on": ["c"]},
      "c": {"spec": "c.yaml", "depends_on": ["a"]}}, "services.a.depends_on", "cycle"),
    ({"web": {"spec": "w.yaml", "depends_on": ["api", "nope"]}, "api": {"spec": "a.yaml"}},
     "services.web.depends_on[1]", "unknown service 'nope'"),
    ({"web": {"spec": "w.yaml", "depends_on": ["web"]}}, "services.web.depends_on[0]", "itself"),
    ({"web": {"depends_on": []}}, "services.web.spec", "needs spec"),
    ({"web": {"spec": "w.yaml", "image": "x"}}, "services.web.image", "unknown key"),
    ({"Web_1": {"spec": "w.yaml"}}, "services.Web_1", "DNS label"),
    ({"web": {"spec": "w.yaml", "depends_on": {"api": {"condition": "service_done"}}}, "api": {"spec": "a"}},
     "services.web.depends_on.api.condition", "unknown condition"),
    ({}, "services", "at least one"),
])
def test_bad_stack_names_the_key_path(services: dict[str, object], path: str, words: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_stack(_stack(services), FILE)
    assert caught.value.path == path
    assert words in caught.value.message
    assert caught.value.exit_code == 2 and caught.value.hint


def test_a_port_used_twice_names_the_second_service() -> None:
    stack = parse_stack(_stack({"api": {"spec": "a.yaml"}, "web": {"spec": "w.yaml", "depends_on": ["api"]}}), FILE)
    with pytest.raises(SpecError, match="port 8080 is used twice: by api and web") as caught:
        check_ports(stack, {"api": 8080, "web": 8080})
    assert caught.value.path == "services.web.spec"
    check_ports(stack, {"api": 8080, "web": 8081})


def test_load_reads_member_ports_and_refuses_a_missing_spec(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("service: a\nport: 9001\n")
    (tmp_path / "b.yaml").write_text("service: b\nport: 9001\n")
    stack_file = tmp_path / "shipmate.stack.yaml"
    stack_file.write_text("stack: shop\nservices:\n  a: {spec: a.yaml}\n  b: {spec: b.yaml}\n")
    assert is_stack_file(stack_file) and not is_stack_file(tmp_path / "a.yaml")
    with pytest.raises(SpecError, match="used twice"):
        load_stack(stack_file)
    stack_file.write_text("stack: shop\nservices:\n  a: {spec: a.yaml}\n  c: {spec: missing.yaml}\n")
    with pytest.raises(SpecError, match="no such file") as caught:
        load_stack(stack_file)
    assert caught.value.path == "services.c.spec"


def test_stacks_do_not_nest(tmp_path: Path) -> None:
    (tmp_path / "inner.yaml").write_text("stack: inner\nservices: {x: {spec: x.yaml}}\n")
    stack_file = tmp_path / "shipmate.stack.yaml"
    stack_file.write_text("stack: shop\nservices:\n  a: {spec: inner.yaml}\n")
    with pytest.raises(SpecError, match="do not nest"):
        load_stack(stack_file)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(0, 7), max_size=4), min_size=1, max_size=8))
def test_every_acyclic_graph_orders_each_dependency_before_its_dependants(edges: list[list[int]]) -> None:
    names = [f"s{i}" for i in range(len(edges))]
    # only edges to earlier services: acyclic by construction, listed in a shuffled-looking order
    services = {names[i]: {"spec": f"{names[i]}.yaml",
                           "depends_on": sorted({names[j % i] for j in deps} if i else set())}
                for i, deps in reversed(list(enumerate(edges)))}
    order = parse_stack(_stack(services), FILE).order
    assert sorted(order) == sorted(names)
    for name, body in services.items():
        for dep in body["depends_on"]:
            assert order.index(dep) < order.index(name)


def test_a_one_service_command_given_a_stack_file_says_which_files_it_takes(tmp_path: Path) -> None:
    from shipmate.spec.loader import load_spec
    from shipmate.spec.service_names import read_service_names

    stack_file = tmp_path / "shipmate.stack.yaml"
    stack_file.write_text("stack: shop\nservices:\n  api: {spec: api/shipmate.yaml}\n")
    for read in (read_service_names, load_spec):
        with pytest.raises(SpecError, match="this is a stack file") as caught:
            read(stack_file)
        assert caught.value.path == "stack" and "api/shipmate.yaml" in (caught.value.hint or "")
