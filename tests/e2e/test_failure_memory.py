"""The failure memory end to end, with real failures provoked through the CLI: the sample app, a real
`python -m http.server`, and the starter fix for each offered first (text before the error, JSON in
error.details.known_fixes); a deploy --note that fixes it is credited; the memory commands on what was seen."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.cli_project import Project
from tests.waiting import free_port, port_open, wait_until


def _fail(project: Project, *args: str, expect: int) -> dict[str, Any]:
    data = project.json("deploy", *args, expect=expect)
    assert data["ok"] is False
    error: dict[str, Any] = data["error"]
    return error


def _first_fix(error: dict[str, Any]) -> str:
    fixes = error["details"]["known_fixes"]
    assert next(iter(error["details"])) == "known_fixes", "the known fixes come before anything else"
    assert 1 <= len(fixes) <= 3
    return str(fixes[0]["id"])


def _spec_with(project: Project, old: str, new: str, **kw: Any) -> Path:
    path = project.spec("1.0.0", deadline="3s", **kw)
    path.write_text(path.read_text().replace(old, new))
    return path


@pytest.fixture
def squatter(project: Project) -> Iterator[subprocess.Popen[bytes]]:
    """A real `python -m http.server` on the project's public port."""
    proc = subprocess.Popen([sys.executable, "-m", "http.server", str(project.port), "--bind", "127.0.0.1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until(lambda: port_open(project.port), 20, "http.server to listen")
    yield proc
    proc.kill()
    proc.wait(timeout=10)


def test_a_wrong_health_path_offers_the_health_path_fix_first_in_text_and_json(project: Project) -> None:
    _spec_with(project, "path: /health,", "path: /healthz,")
    text = project.run("deploy")
    assert text.returncode == 1
    err_lines = text.stderr.splitlines()
    first_fix = next(i for i, line in enumerate(err_lines) if line.startswith("known fix 1"))
    assert "fix_starter_health_path" in err_lines[first_fix]
    assert first_fix < next(i for i, line in enumerate(err_lines) if line.startswith("error:"))
    error = _fail(project, expect=1)
    assert _first_fix(error) == "fix_starter_health_path"
    assert error["code"] == "deployment_failed" and error["details"]["state"] == "rolled_back"   # old keys kept
    assert error["details"]["memory"]["signature"].startswith("sig_")


def test_the_next_deploy_with_a_note_credits_the_fix_and_the_note_becomes_a_known_fix(project: Project) -> None:
    _spec_with(project, "path: /health,", "path: /healthz,")
    first = _fail(project, expect=1)
    second = _fail(project, expect=1)
    assert first["details"]["memory"]["signature"] == second["details"]["memory"]["signature"]
    project.spec("1.0.0", deadline="15s")
    ok = project.json("deploy", "--note", "the health route is /health, not /healthz")
    assert ok["state"] == "succeeded" and ok["note"] == "the health route is /health, not /healthz"
    listed = project.json("memory", "list")["signatures"]
    assert [(s["failures"], s["fixes"]) for s in listed] == [(2, 1)]
    sig = listed[0]["id"]
    shown = project.json("memory", "show", sig)
    [note_fix] = shown["fixes"]
    assert note_fix["source"] == "note" and note_fix["record"] == "worked 1 of 1 time"
    starter = project.json("memory", "show", "fix_starter_health_path")["fix"]
    assert (starter["worked"], starter["tried"]) == (1, 2)   # repeated once, then worked
    stats = project.json("memory", "stats")
    assert (stats["failures"], stats["signatures"], stats["matched"], stats["hit_rate"]) == (2, 1, 2, 1.0)
    # The same failure again: the fix that worked here is offered first now.
    _spec_with(project, "path: /health,", "path: /healthz,")
    again = _fail(project, "--version", "1.0.1", expect=1)
    assert _first_fix(again) == note_fix["id"]
    assert again["details"]["known_fixes"][0]["record"] == "worked 1 of 1 time"


def test_a_port_in_use_by_a_real_http_server_offers_the_port_fix(project: Project,
                                                                   squatter: subprocess.Popen[bytes]) -> None:
    project.spec("1.0.0")
    error = _fail(project, expect=7)
    assert _first_fix(error) == "fix_starter_port_in_use"
    assert not project.home().exists()   # refused before anything: no state folder made to remember it


def test_an_app_that_ignores_port_offers_the_port_variable_fix(project: Project) -> None:
    fixed = free_port()
    _spec_with(project, '"app.py"]', f'"-m", "http.server", "{fixed}", "--bind", "127.0.0.1"]')
    error = _fail(project, expect=1)
    assert _first_fix(error) == "fix_starter_port_env_unused"
    assert "fix_starter_start_period" not in [f["id"] for f in error["details"]["known_fixes"]]


def test_a_slow_start_offers_the_start_period_fix(project: Project) -> None:
    project.spec("1.0.0", deadline="2s", app_env={"HELLO_START_DELAY": "8"})
    error = _fail(project, expect=1)
    assert _first_fix(error) == "fix_starter_start_period"


def test_a_process_that_exits_at_start_offers_the_crash_loop_fix(project: Project) -> None:
    project.spec("1.0.0", app_env={"HELLO_EXIT_AT_START": "3"})
    error = _fail(project, expect=1)
    assert _first_fix(error) == "fix_starter_crash_loop"
    [sig] = project.json("memory", "list")["signatures"]
    assert sig["exit_code"] == 3 and sig["target_kind"] == "process"


def test_a_missing_secret_offers_the_secret_fix_and_is_recorded_once_the_project_has_state(project: Project) -> None:
    project.spec("1.0.0")
    assert project.json("deploy")["state"] == "succeeded"
    path = project.spec("1.0.1", extra="secrets:\n  - API_KEY\n")
    assert path.exists()
    error = _fail(project, expect=7)
    assert _first_fix(error) == "fix_starter_missing_secret"
    assert error["details"]["memory"]["failure_id"].startswith("fai_")
    assert project.serves("1.0.0")   # the running release untouched


def test_check_on_a_broken_release_remembers_its_failing_level(project: Project) -> None:
    project.spec("1.0.0")
    assert project.json("deploy")["state"] == "succeeded"
    project.steer("1.0.0", {"fail_health": True})
    data = project.json("check", expect=3)
    assert "known_fixes" in data["error"]["details"]
    [sig] = project.json("memory", "list")["signatures"]
    assert sig["phase"].startswith("level:") and sig["error_code"] == "health_check_failed"


def test_memory_commands_add_search_merge_split_export_import(project: Project, tmp_path: Path) -> None:
    project.spec("1.0.0", app_env={"HELLO_EXIT_AT_START": "3"})
    crashed = _fail(project, expect=1)
    _spec_with(project, "path: /health,", "path: /healthz,")
    _fail(project, expect=1)
    dep = crashed["details"]["deployment_id"]
    added = project.json("memory", "add", "--symptom", "exits with code 3 at start", "--root-cause",
                         "HELLO_EXIT_AT_START left in the env", "--solution", "remove HELLO_EXIT_AT_START",
                         "--prevention", "review target.env", "--from", dep)
    assert added["created"] is True and added["fix"]["signature_id"] == crashed["details"]["memory"]["signature"]
    assert project.json("memory", "add", "--symptom", "exits with code 3 at start", "--root-cause",
                        "HELLO_EXIT_AT_START left in the env", "--solution", "remove HELLO_EXIT_AT_START",
                        "--prevention", "review target.env")["created"] is False
    found = project.json("memory", "search", "HELLO_EXIT_AT_START env")
    assert found["fixes"][0]["id"] == added["fix"]["id"]
    a, b = (s["id"] for s in project.json("memory", "list")["signatures"])
    assert project.json("memory", "merge", a, b)["group"] == [a, b]
    assert len(project.json("memory", "list")["signatures"]) == 1
    assert project.json("memory", "stats")["signatures"] == 1
    project.json("memory", "split", b)
    assert len(project.json("memory", "list")["signatures"]) == 2
    out = tmp_path / "memory.jsonl"
    exported = project.json("memory", "export", str(out))
    assert exported["fixes"] >= 1 and exported["signatures"] == 2
    other = Project(tmp_path / "other", project.port, project.env)
    other.root.mkdir()
    other.spec("1.0.0")
    first = other.json("memory", "import", str(out))
    again = other.json("memory", "import", str(out))
    assert first["fixes_added"] == exported["fixes"] and first["signatures_added"] == 2
    assert (again["fixes_added"], again["signatures_added"]) == (0, 0)
    assert other.json("memory", "search", "HELLO_EXIT_AT_START")["fixes"][0]["id"] == added["fix"]["id"]


def test_a_bad_import_line_is_exit_2_naming_the_line_and_imports_nothing(project: Project, tmp_path: Path) -> None:
    project.spec("1.0.0")
    bad = tmp_path / "bad.jsonl"
    good = {"type": "fix", "id": "fix_abc", "symptom": "s", "root_cause": "", "solution": "x", "prevention": ""}
    bad.write_text(json.dumps(good) + "\n" + '{"type": "fix", "id": "fix_x"}\n')
    proc = project.run("memory", "import", str(bad))
    assert proc.returncode == 2 and f"{bad}:2: symptom" in proc.stderr and "Traceback" not in proc.stderr
    assert project.json("memory", "stats")["fixes"] == 0


def test_status_history_and_help_load_nothing_of_the_memory(project: Project) -> None:
    project.spec("1.0.0")
    assert project.json("deploy")["state"] == "succeeded"
    for argv in (["status", "--json"], ["history", "--json"], ["--help"]):
        code = ("import sys; from shipmate.program import run; sys.argv = ['shipmate', *sys.argv[1:]]\n"
                "try:\n    run()\nexcept SystemExit:\n    pass\n"
                "loaded = [m for m in sys.modules if 'memory' in m or m.endswith(('recalling', 'remembering'))]\n"
                "sys.stderr.write('LOADED=' + ','.join(loaded))")
        done = subprocess.run([sys.executable, "-c", code, *argv], cwd=project.root, env=project.env,
                              capture_output=True, text=True, timeout=60)
        assert "LOADED=" in done.stderr, done.stderr
        loaded = done.stderr.rsplit("LOADED=", 1)[1].strip()
        assert loaded in ("", "shipmate.cli.memory_cli"), (argv, loaded)


def test_the_deploy_failed_notification_names_the_known_fix_before_anything_else(project: Project) -> None:
    from tests.notify_receiver import receiver

    with receiver() as rx:
        _spec_with(project, "path: /health,", "path: /healthz,", extra=f"notify: {{urls: [\"{rx.url}\"]}}\n")
        _fail(project, expect=1)
        wait_until(lambda: "deploy.failed" in rx.events(), 20, "the deploy.failed notification")
        failed = rx.bodies[rx.events().index("deploy.failed")]
    first_line = failed["message"].splitlines()[0]
    assert first_line.startswith("known fix: set health.checks[0].http.path"), failed["message"]
    assert "fix_starter_health_path" in first_line

