"""The diff an approver sees, from two stored ReleaseConfig dicts (pure): versions, artifact, changed keys."""

from __future__ import annotations

from typing import Any

from shipmate.ops.common.approval_codes import code_matches, hash_code, normalise
from shipmate.ops.common.approval_diff import release_diff, summary_line


def _config(version: str, **over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"service": "web", "environment": "production", "version": version,
                            "digest": f"d-{version}", "target_kind": "docker", "argv": ["serve"], "port": 8080,
                            "env": {"GREETING": "hi", "API_TOKEN_FILE": "/run/a"},
                            "health": {"deadline_s": 30.0, "checks": [{"http": {"path": "/"}}]},
                            "target_settings": {"image": "web:1", "volumes": []}}
    return {**base, **over}


def test_a_first_deploy_has_no_from_side_and_names_no_changed_key() -> None:
    diff = release_diff(None, _config("1.0.0"))
    assert diff["first_deploy"] and diff["version"] == {"from": None, "to": "1.0.0"}
    assert diff["config_keys_changed"] == []   # nothing to change from (it listed every key, 39 of them)
    assert diff["target"]["target_settings.image"] == {"from": None, "to": "web:1"}
    assert summary_line(diff) == "nothing -> 1.0.0, first deploy here"


def test_an_unchanged_argv_is_no_change_whether_stored_as_a_list_or_a_tuple() -> None:
    stored = _config("1.0.0", argv=["python3", "app.py"], health={"checks": [{"http": {"path": "/"}}]})
    new = _config("1.1.0", argv=("python3", "app.py"), health={"checks": ({"http": {"path": "/"}},)})
    assert release_diff(stored, new)["config_keys_changed"] == []


def test_what_prepare_added_to_the_running_release_is_not_a_change() -> None:
    running = _config("1.0.0", target_settings={"image": "web:1", "volumes": [], "image_id": "sha256:abc"})
    diff = release_diff(running, _config("1.0.1"))
    assert diff["config_keys_changed"] == [] and diff["target"] == {}


def test_stopping_says_what_stops_never_none() -> None:
    diff = {"stops": True, "version": {"from": "1.2.0", "to": None}, "config_keys_changed": []}
    assert summary_line(diff) == "stops 1.2.0"


def test_changed_keys_are_named_and_only_artifact_settings_show_values() -> None:
    old = _config("1.0.0")
    new = _config("1.1.0", env={"GREETING": "hello", "API_TOKEN_FILE": "/run/a"},
                  target_settings={"image": "web:2", "volumes": []})
    diff = release_diff(old, new)
    assert diff["config_keys_changed"] == ["env.GREETING", "target_settings.image"]
    assert diff["target"] == {"target_settings.image": {"from": "web:1", "to": "web:2"}}
    assert "hello" not in str(diff["target"])   # environment values are never shown
    assert diff["digest"] == {"from": "d-1.0.0", "to": "d-1.1.0"} and not diff["first_deploy"]
    assert summary_line(diff) == "1.0.0 -> 1.1.0, 2 config keys changed (env.GREETING, target_settings.image)"


def test_the_same_config_in_a_new_version_changes_no_key() -> None:
    diff = release_diff(_config("1.0.0"), _config("1.0.1"))
    assert diff["config_keys_changed"] == [] and summary_line(diff).endswith("no config change")


def test_a_code_matches_its_hash_however_it_is_typed() -> None:
    stored = hash_code("K7QD-3MZP-X2AB")
    assert code_matches("k7qd 3mzp x2ab", stored) and code_matches("K7QD3MZPX2AB", stored)
    assert not code_matches("K7QD-3MZP-X2AC", stored) and not code_matches(None, stored)
    assert not code_matches("K7QD-3MZP-X2AB", None) and normalise("a-b c") == "ABC"
