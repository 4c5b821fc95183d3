"""Bad replicas, canary and rolling settings: exit 2 with the key path on one line, a hint, nothing started."""

from __future__ import annotations

import pytest

from tests.e2e.cli_project import Project

BAD = [
    ("canary", "canary: {steps: [{weight: 50, pause: 1s}, {weight: 10, pause: 1s}]}\n", "canary.steps[1].weight",
     "must be above step 0's weight 50"),
    ("canary", "canary: {steps: [{weight: 10, pause: 1s}, {weight: 100, pause: 1s}]}\n", "canary.steps[1].weight",
     "between 1 and 99"),
    ("canary", "canary: {steps: [{weight: 10, pause: -1s}]}\n", "canary.steps[0].pause", "must not be negative"),
    ("blue-green", "replicas: 0\n", "replicas", "between 1 and 32"),
    ("blue-green", "replicas: 33\n", "replicas", "between 1 and 32"),
    ("rolling", "replicas: 3\nrolling: {max_unavailable: 0, max_surge: 0}\n", "rolling", "both 0"),
    ("blue-green", "canary: {sticky: true}\n", "canary", "only used by strategy: canary"),
]


@pytest.mark.parametrize(("strategy", "extra", "path", "message"), BAD, ids=[case[2] + ":" + case[3] for case in BAD])
def test_deploy_refuses_bad_strategy_settings_with_the_key_path_and_starts_nothing(
        project: Project, strategy: str, extra: str, path: str, message: str) -> None:
    project.spec("1.0.0", strategy=strategy, extra=extra)
    proc = project.run("deploy")
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines[0].startswith("error: ") and f"{path}: " in lines[0] and message in lines[0], lines
    assert any(line.startswith("hint: ") for line in lines), lines
    assert not project.home().exists()
    assert project.our_processes() == []


def test_deploy_json_names_the_canary_step_in_the_wrong_order(project: Project) -> None:
    project.spec("1.0.0", strategy="canary", extra=BAD[0][1])
    out = project.json("deploy", expect=2)
    error = out["error"]
    assert error["code"] == "spec_invalid" and error["exit_code"] == 2
    assert error["path"] == "canary.steps[1].weight" and "step 0" in error["message"]
    assert "go up strictly" in error["hint"]
    assert not project.home().exists()


def test_validate_accepts_replicas_with_canary_and_rolling(project: Project) -> None:
    project.spec("1.0.0", strategy="canary", extra="replicas: 3\n")
    out = project.json("validate")
    assert (out["valid"], out["strategy"], out["replicas"]) == (True, "canary", 3)
    project.spec("1.0.0", strategy="rolling", extra="replicas: 4\nrolling: {max_unavailable: 0, max_surge: 2}\n")
    assert project.json("validate")["replicas"] == 4
    assert not project.home().exists()
