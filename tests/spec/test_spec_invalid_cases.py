"""Every invalid spec in cases/invalid.yaml gives one line naming the key path, and a hint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from spec_cases import load_cases, write_spec

from shipmate.errors import SpecError
from shipmate.spec.loader import load_spec

INVALID = load_cases("invalid.yaml")


def _load_invalid(case: dict[str, Any], folder: Path) -> SpecError:
    path = folder / "shipmate.yaml" if case.get("missing_file") else write_spec(folder, case["yaml"])
    with pytest.raises(SpecError) as caught:
        load_spec(path, environment=case.get("environment"), version_override=case.get("version_override"))
    return caught.value


def test_there_are_enough_cases_with_unique_names() -> None:
    names = [case["name"] for case in INVALID]
    assert len(names) >= 35
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("case", INVALID, ids=[case["name"] for case in INVALID])
def test_invalid_spec_is_refused_with_path_message_and_hint(case: dict[str, Any], tmp_path: Path) -> None:
    error = _load_invalid(case, tmp_path)
    assert error.path == case["path"], error.message
    assert case["message"] in error.message
    if case.get("hint") is not None:
        assert error.hint is not None and case["hint"] in error.hint, error.hint
    assert error.file is not None and error.file.endswith("shipmate.yaml")
    assert error.exit_code == 2


@pytest.mark.parametrize("case", INVALID, ids=[case["name"] for case in INVALID])
def test_error_is_one_clean_line_without_pydantic_noise(case: dict[str, Any], tmp_path: Path) -> None:
    error = _load_invalid(case, tmp_path)
    text = str(error)
    assert "\n" not in text and "\n" not in (error.hint or "")
    for noise in ("pydantic", "errors.pydantic.dev", "Input should", "Traceback", "[key]", "function-"):
        assert noise not in text and noise not in (error.hint or "")
    assert text.startswith(f"{error.path}: ") if error.path else True
    json.dumps(error.to_dict())


SECRET_CASES = [case for case in INVALID if case.get("absent")]


@pytest.mark.parametrize("case", SECRET_CASES, ids=[case["name"] for case in SECRET_CASES])
def test_secret_values_never_appear_in_the_error(case: dict[str, Any], tmp_path: Path) -> None:
    error = _load_invalid(case, tmp_path)
    attached = getattr(error, "errors", [])
    everything = json.dumps({"str": str(error), "dict": error.to_dict(), "errors": attached, "args": error.args})
    for secret in case["absent"]:
        assert secret not in everything


def test_all_problems_are_attached_in_document_order(tmp_path: Path) -> None:
    path = write_spec(
        tmp_path,
        "service: Web\nport: 0\ntarget: {kind: process, command: [python3, app.py]}\nstrategy: shadow\n",
    )
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    errors = caught.value.errors  # type: ignore[attr-defined]
    assert [item["path"] for item in errors] == ["service", "port", "strategy"]
    assert [item["line"] for item in errors] == [1, 2, 4]
    assert caught.value.message.endswith("(and 2 more)")
