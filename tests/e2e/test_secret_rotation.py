"""`shipmate secrets rotate` as a user runs it: only a secret that exists, the value never from argv."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

from tests.e2e.cli_project import SHIPMATE, Project

APP = Path(__file__).parent / "apps" / "secret_app.py"


def _secrets(project: Project, *args: str, value: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([SHIPMATE, "secrets", *args], input=value, cwd=project.root, env=project.env,
                          capture_output=True, text=True, timeout=60)


def test_rotating_a_secret_never_set_is_refused_with_a_hint_and_stores_nothing(project: Project) -> None:
    project.spec("1.0.0", extra="secrets: [API_KEY]\n")
    proc = _secrets(project, "rotate", "API_KEY", "--json", value="rotated-value-123\n")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    error = json.loads(proc.stdout)["error"]
    assert "API_KEY was never set" in error["message"] and "shipmate secrets set API_KEY" in error["hint"]
    assert not (project.home() / "secrets" / "API_KEY").exists()
    plain = _secrets(project, "rotate", "API_KEY", value="rotated-value-123\n")
    assert plain.returncode == 2 and len(plain.stderr.strip().splitlines()) <= 2, plain.stderr
    assert "rotated-value-123" not in plain.stdout + plain.stderr + proc.stdout + proc.stderr


def test_the_value_of_a_rotation_is_never_taken_from_argv(project: Project) -> None:
    project.spec("1.0.0", extra="secrets: [API_KEY]\n")
    assert _secrets(project, "set", "API_KEY", value="first-value-abc\n").returncode == 0
    proc = _secrets(project, "rotate", "API_KEY", "hunter2-hunter2")
    assert proc.returncode == 2
    assert [p.name for p in (project.home() / "secrets" / "API_KEY").iterdir()] == ["v1"]


def test_a_rotated_secret_from_a_file_is_what_the_next_deploy_runs_with(project: Project, tmp_path: Path) -> None:
    shutil.copy(APP, project.root / "app.py")
    project.spec("1.0.0", extra="secrets: [API_KEY]\n")
    assert _secrets(project, "set", "API_KEY", value="first-value-abc\n").returncode == 0
    assert project.json("deploy")["state"] == "succeeded"
    (tmp_path / "new-key").write_text("second-value-def\n")
    proc = _secrets(project, "rotate", "API_KEY", "--from-file", str(tmp_path / "new-key"), "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert (out["secret"]["version"], out["previous"]["version"], out["rotated"]) == (2, 1, True)
    assert "second-value-def" not in proc.stdout + proc.stderr
    plain = _secrets(project, "rotate", "API_KEY", value="third-value-ghi")
    assert plain.returncode == 0 and plain.stdout.startswith("API_KEY v3 sha256:") and "rotated" in plain.stdout
    deployed = project.json("deploy")
    assert deployed["state"] == "succeeded" and deployed.get("noop") is not True
    assert project.get("/")["sha256"] == hashlib.sha256(b"third-value-ghi").hexdigest()


def test_a_rotated_value_that_breaks_the_spec_rule_is_stored_with_a_warning_that_never_quotes_it(
        project: Project) -> None:
    project.spec("1.0.0", extra="secrets: [{name: API_KEY, pattern: '^sk-ant-', min_length: 12}]\n")
    assert _secrets(project, "set", "API_KEY", value="sk-ant-first-value\n").returncode == 0
    proc = _secrets(project, "rotate", "API_KEY", value="wrong-shape-value-987\n")
    assert proc.returncode == 0, proc.stderr
    assert "warning: API_KEY v2 does not match its pattern '^sk-ant-': the next deploy will refuse it" in proc.stderr
    assert "wrong-shape-value-987" not in proc.stdout + proc.stderr
    out = project.json("deploy", expect=2)
    assert "secret API_KEY (v2" in out["error"]["message"] and "wrong-shape" not in json.dumps(out)
