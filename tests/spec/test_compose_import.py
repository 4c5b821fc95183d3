"""The compose converter, table-driven from cases/compose_cases.yaml; every result must be a valid Spec."""

from __future__ import annotations

from typing import Any

import pytest
from tests.spec.spec_cases import load_cases

from shipmate.errors import InvalidInputError
from shipmate.spec.compose_import import choose_service, convert
from shipmate.spec.models import Spec

CASES = load_cases("compose_cases.yaml")


def _assert_fragment(actual: Any, expected: Any, where: str) -> None:
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected a mapping, got {actual!r}"
        for key, value in expected.items():
            assert key in actual, f"{where}.{key} missing in {actual!r}"
            _assert_fragment(actual[key], value, f"{where}.{key}")
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


def _present(spec: dict[str, Any], dotted: str) -> bool:
    obj: Any = spec
    for part in dotted.split("."):
        if not isinstance(obj, dict) or part not in obj:
            return False
        obj = obj[part]
    return True


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_compose_case(case: dict[str, Any]) -> None:
    compose = case["compose"]
    if "error" in case:
        with pytest.raises(InvalidInputError) as caught:
            convert(compose, choose_service(compose, case.get("service")))
        assert case["error"] in caught.value.message
        assert case.get("hint", "") in (caught.value.hint or "")
        return
    spec, warnings = convert(compose, choose_service(compose, case.get("service")))
    _assert_fragment(spec, case.get("expect", {}), "spec")
    for dotted in case.get("absent", []):
        assert not _present(spec, dotted), f"{dotted} should not be set: {spec!r}"
    assert sorted(w.path for w in warnings) == sorted(case["warnings"]), [w.as_dict() for w in warnings]
    assert all(w.message for w in warnings)
    Spec.model_validate(spec)  # whatever the converter writes is a valid spec


def test_converting_does_not_change_the_compose_mapping() -> None:
    compose = {"services": {"web": {"image": "web:${V:-1}", "ports": ["8000:8000"], "environment": ["A=b"]}}}
    before = repr(compose)
    convert(compose, "web")
    assert repr(compose) == before
