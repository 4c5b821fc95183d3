"""The smoke gate: with `health.levels.smoke: {gate: true}` the level-5 smoke runs through the public port inside
the monitor window after the switch; a release whose smoke fails there is rolled back like a failing window, with
the smoke's own words in the verdict's evidence, and the previous release serves again."""

from __future__ import annotations

import sys

from tests.e2e.cli_project import Project


def write_spec(project: Project, version: str, greeting: str, *, gate: bool = True) -> None:
    # The sample app (examples/hello) answers GET / with its greeting; /health stays 200 whatever it is, so
    # only the smoke sees that a release greets users wrongly.
    (project.root / "shipmate.yaml").write_text(f"""service: smoked
version: "{version}"
port: {project.port}
target:
  kind: process
  command: ["{sys.executable}", "app.py"]
  stop_grace: 3s
  env: {{GREETING: "{greeting}"}}
health:
  interval: 100ms
  deadline: 15s
  checks:
    - http: {{path: /health, status: 200}}
  levels:
    smoke:
      http: [{{path: /, expect_json: {{greeting: hello-users}}}}]
      gate: {str(gate).lower()}
drain: 1s
monitor:
  duration: 1s
  interval: 100ms
  min_samples: 3
""")


def test_a_release_whose_smoke_fails_after_the_switch_is_rolled_back_with_the_smoke_output_as_evidence(
        project: Project) -> None:
    write_spec(project, "1.0.0", "hello-users")
    first = project.json("deploy")
    assert first["state"] == "succeeded", first
    smoke = first["verdict"]["evidence"]["sources"]["smoke"]
    assert smoke["runs"] == 1 and smoke["passed"] == 1, smoke

    write_spec(project, "2.0.0", "goodbye")
    out = project.json("deploy", expect=1)
    assert out["error"]["code"] == "deployment_failed", out
    verdict = out["error"]["details"]["verdict"]
    assert verdict["phase"] == "fail" and verdict["decided_by"] == "smoke.passes", verdict
    ran = verdict["evidence"]["sources"]["smoke"]["results"][0]
    assert ran["ok"] is False and "GET /" in ran["what"], ran
    assert "greeting" in ran["output"] and "goodbye" in ran["output"], ran
    assert any("smoke.passes" in reason for reason in verdict["reasons"]), verdict
    served = project.get("/")
    assert (served["version"], served["greeting"]) == ("1.0.0", "hello-users")
    assert project.json("status")["environments"][0]["current"]["version"] == "1.0.0"


def test_without_the_gate_the_smoke_stays_a_check_only(project: Project) -> None:
    write_spec(project, "1.0.0", "goodbye", gate=False)
    out = project.json("deploy")
    assert out["state"] == "succeeded", out
    assert "smoke" not in out["verdict"]["evidence"]["sources"]
    failed = project.json("check", expect=3)["error"]
    assert failed["details"]["failed_level"] == 5 and "goodbye" in failed["message"], failed
