"""`shipmate check [--level N] [--json]` through the CLI: levels run in order, the first failing one is named
(exit 3, `failed_level` and `level` in --json), and bad `health.levels` keys are refused with their key path."""

from __future__ import annotations

import sys

from tests.e2e.cli_project import Project


def _plain_http_server_spec(project: Project) -> None:
    (project.root / "shipmate.yaml").write_text(f"""service: plain
version: "1"
port: {project.port}
target:
  kind: process
  command: ["{sys.executable}", "-m", "http.server", "${{PORT}}", "--bind", "127.0.0.1"]
  stop_grace: 2s
health:
  interval: 100ms
  deadline: 20s
drain: 0s
monitor: {{duration: 0s}}
""")


def test_check_level_2_on_a_plain_http_server_runs_instance_and_endpoint_only(project: Project) -> None:
    _plain_http_server_spec(project)
    assert project.json("deploy", timeout=120)["state"] == "succeeded"
    out = project.json("check", "--level", "2")
    assert [lv["name"] for lv in out["levels"]] == ["instance", "endpoint"], out
    assert out["healthy"] is True and out["failed_level"] is None
    assert any(c["probe"] == f"public tcp :{project.port}" and c["phase"] == "pass" for c in out["checks"]), out
    full = project.json("check")
    assert full["configured_levels"] == [1, 2] and full["not_configured"] == [3, 4, 5], full
    text = project.run("check", "--level", "2")
    assert text.returncode == 0 and "level 2" in text.stdout and "endpoint" in text.stdout, text.stdout


def test_deploy_dry_run_on_a_plain_http_server_gates_on_instance_and_endpoint(project: Project) -> None:
    _plain_http_server_spec(project)
    assert [lv["name"] for lv in project.json("deploy", "--dry-run")["gate_levels"]] == ["instance", "endpoint"]


def test_check_stops_at_the_first_failing_level_with_exit_3_and_the_level(project: Project) -> None:
    project.spec("1", monitor="0s")
    assert project.json("deploy", timeout=120)["state"] == "succeeded"
    healthy = project.json("check")
    assert [lv["level"] for lv in healthy["levels"]] == [1, 2, 3] and healthy["healthy"], healthy

    project.steer("1", {"fail_health": True})
    failed = project.json("check", expect=3)
    error = failed["error"]
    assert error["code"] == "health_check_failed" and "level 3 (application) fail" in error["message"], error
    assert error["details"]["level"] == 3 and error["details"]["failed_level"] == 3, error["details"]
    assert [lv["phase"] for lv in error["details"]["levels"]] == ["pass", "pass", "fail"]
    assert error["details"]["levels"][2]["evidence"]["status"] == "HTTP 500", error["details"]["levels"][2]
    assert error["hint"], error

    human = project.run("check")
    assert human.returncode == 3 and "level 3 (application)" in human.stderr and "hint" in human.stderr, human
    assert project.json("check", "--level", "2")["healthy"] is True   # levels 1-2 still pass


def test_bad_health_levels_keys_are_refused_with_their_key_path_and_exit_2(project: Project) -> None:
    project.spec("1", monitor="0s")
    spec = project.root / "shipmate.yaml"
    good = spec.read_text()
    spec.write_text(good.replace("  checks:\n", "  levels:\n    mcp: {requried_tools: [x]}\n  checks:\n"))
    typo = project.json("deploy", expect=2)
    assert typo["error"]["message"] == "health.levels.mcp: unknown key 'requried_tools'", typo
    assert "required_tools" in typo["error"]["hint"], typo

    spec.write_text(good.replace("  checks:\n", "  levels:\n    smoke: {command: [./smoke.sh], http: [{path: /}]}\n"
                                 "  checks:\n"))
    both = project.run("deploy")
    assert both.returncode == 2 and "health.levels.smoke" in both.stderr and "exactly one" in both.stderr, both
    assert "Traceback" not in both.stderr
    assert not (project.home() / "state.db").exists(), "a refused spec writes nothing"

    bad_level = project.run("check", "--level", "9")
    assert bad_level.returncode == 2, bad_level
