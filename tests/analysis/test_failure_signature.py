"""Failure signatures as a table (signature_cases.yaml): masking, exit codes, what groups and what does not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from shipmate.analysis.failure_signature import SIGNATURE_VERSION, FailureFacts, search_terms, signature_of

CASES: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "signature_cases.yaml").read_text())
BY_NAME = {case["name"]: case for case in CASES}


def _signature(case: dict[str, Any]) -> Any:
    return signature_of(FailureFacts(**case["facts"]))


def test_case_names_are_unique() -> None:
    assert len(BY_NAME) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_signature_matches_the_table(case: dict[str, Any]) -> None:
    sig = _signature(case)
    assert sig.text == case["masked"]
    assert sig.exit_code == case["exit_code"]
    assert sig.version == SIGNATURE_VERSION
    assert sig.key.startswith("sig_") and len(sig.key) == 20
    assert _signature(case) == sig   # deterministic
    if "same_as" in case:
        assert sig.key == _signature(BY_NAME[case["same_as"]]).key
    if "differs_from" in case:
        assert sig.key != _signature(BY_NAME[case["differs_from"]]).key


def test_search_terms_drop_placeholders_and_short_words() -> None:
    assert search_terms("port <port> is already in use by pid <n> (python3)") == ["port", "already", "use", "pid",
                                                                                 "python3"]
