"""The confidence formula as a table (confidence_cases.yaml), and the key diff that feeds it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from shipmate.analysis.confidence import Confidence, ConfidenceInputs, changed_keys, score, security_changes

CASES: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "confidence_cases.yaml").read_text())


def _inputs(raw: dict[str, Any]) -> ConfidenceInputs:
    values = dict(raw)
    for key in ("changed_keys", "security_changes"):
        if key in values:
            values[key] = tuple(values[key])
    return ConfidenceInputs(**values)


def test_case_names_are_unique() -> None:
    names = [case["name"] for case in CASES]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_score_and_factors_match_the_table(case: dict[str, Any]) -> None:
    result = score(_inputs(case["inputs"]), case.get("weights"))
    assert result.score == pytest.approx(case["score"], abs=1e-9), result.factors
    assert [f.name for f in result.factors] == case["factors"]
    assert result.score == pytest.approx(sum(f.delta for f in result.factors), abs=1e-3)


def test_the_reachable_maximum_is_the_cap_with_the_defaults_and_follows_the_weights() -> None:
    assert score(ConfidenceInputs()).as_dict()["reachable_max"] == 0.95
    # Without the new evidence the old formula stopped at 0.75: auto_if_confidence 0.9 could never fire.
    old = {"passed_first": 0, "max_soak": 0, "max_known_fix": 0}
    assert score(ConfidenceInputs(), old).reachable_max == 0.75


def test_the_score_round_trips_as_data() -> None:
    result = score(ConfidenceInputs(previous_successes=1, first_deploy=True))
    again = Confidence.from_dict(result.as_dict())
    assert again == result and again.weights["cap"] == 0.95


def test_changed_keys_flatten_nested_config_and_ignore_what_every_release_changes() -> None:
    old = {"version": "1", "digest": "a", "port": 80, "env": {"A": "1", "B": "2"}, "secrets": {"API_KEY": 1},
           "health": {"checks": ({"http": {"path": "/h"}},)}}
    new = {"version": "2", "digest": "b", "port": 81, "env": {"A": "1", "C": "3"}, "secrets": {"API_KEY": 2},
           "health": {"checks": [{"http": {"path": "/h"}}]}}
    keys = changed_keys(old, new)
    assert keys == ["env.B", "env.C", "port", "secrets.API_KEY"]
    assert security_changes(keys) == ["port", "secrets.API_KEY"]


def test_security_keys_are_credentials_tls_ports_and_users() -> None:
    keys = ["env.DB_PASSWORD", "env.AUTH_URL", "target_settings.user", "env.TLS_CERT", "env.GREETING",
            "health.timeout_s", "env.API_TOKEN"]
    assert security_changes(keys) == ["env.DB_PASSWORD", "env.AUTH_URL", "target_settings.user", "env.TLS_CERT",
                                      "env.API_TOKEN"]


def test_the_release_identity_artifact_and_config_hash_is_not_a_changed_config_key() -> None:
    old = {"version": "1", "artifact": {"sha256": "a", "files": 2}, "config_hash": "x", "config_keys": {"k": "1"},
           "env": {"A": "1"}}
    new = {"version": "2", "artifact": {"sha256": "b", "files": 3}, "config_hash": "y", "config_keys": {"k": "2"},
           "env": {"A": "1"}}
    assert changed_keys(old, new) == []
