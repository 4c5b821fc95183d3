"""Secrets end to end with real processes: the app reads NAME_FILE; the value is found nowhere else."""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import psutil

from tests.e2e.cli_project import SHIPMATE, Project

APP = Path(__file__).parent / "apps" / "secret_app.py"
CANARY = "canary-7f3a9c1e-DO-NOT-LEAK"


def _use_secret_app(project: Project) -> None:
    shutil.copy(APP, project.root / "app.py")


def _set_secret(project: Project, name: str, value: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([SHIPMATE, "secrets", "set", name, "--json"], input=value + "\n", cwd=project.root,
                          env=project.env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def _sample_processes(project: Project, seen: list[str]) -> None:
    """What `ps` and /proc show of our instances right now: argv and environment."""
    for proc in project.our_processes():
        with contextlib.suppress(psutil.Error):
            seen.append(" ".join(proc.cmdline()))
            seen.append(json.dumps(proc.environ()))


def _deploy_sampling(project: Project, seen: list[str]) -> tuple[int, str]:
    """Deploy with --json, sampling /proc of every instance while it runs; (exit code, stdout + stderr)."""
    proc = project.spawn("deploy", "--json")
    while proc.poll() is None:
        _sample_processes(project, seen)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=0.05)
    out, err = project.finish(proc, timeout=120)
    return proc.returncode, out + err


def _files_holding(root: Path, needle: bytes, skip: Path) -> list[str]:
    return [str(path) for path in root.rglob("*")
            if path.is_file() and skip not in path.parents and needle in path.read_bytes()]


def test_a_canary_secret_reaches_the_app_only_through_its_file(project: Project) -> None:
    _use_secret_app(project)
    secrets = "secrets: [API_KEY]\n"
    project.spec("1.0.0", extra=secrets)
    outputs = [_set_secret(project, "API_KEY", CANARY).stdout]
    seen: list[str] = []

    code, out = _deploy_sampling(project, seen)
    outputs.append(out)
    assert code == 0, out
    assert project.get("/")["sha256"] == hashlib.sha256(CANARY.encode()).hexdigest()
    apps = [p for p in project.our_processes() if "app.py" in " ".join(p.cmdline())]
    assert apps, "the instance runs"
    for app in apps:
        env = app.environ()
        assert env["API_KEY_FILE"] == str(project.home() / "secrets" / "API_KEY" / "v1")
        assert "API_KEY" not in env
    _sample_processes(project, seen)

    # A failed release (health never passes) is rolled back; the value stays out of that path too.
    project.spec("2.0.0", extra=secrets, app_env={"APP_FAIL_HEALTH": "1"}, deadline="1500ms")
    code, out = _deploy_sampling(project, seen)
    outputs.append(out)
    assert code == 1, out
    assert project.get("/")["version"] == "1.0.0"
    for command in (("status", "--json"), ("events", "--json", "--limit", "1000"), ("history", "--json"),
                    ("logs", "--json"), ("secrets", "list", "--json"), ("secrets", "list")):
        proc = project.run(*command)
        outputs.append(proc.stdout + proc.stderr)
    listed = json.loads(project.run("secrets", "list", "--json").stdout)["secrets"]
    assert [(s["name"], s["version"]) for s in listed] == [("API_KEY", 1)]

    assert seen and not [text for text in seen if CANARY in text]
    assert not [text for text in outputs if CANARY in text]
    assert list((project.home() / "logs").rglob("*.log")), "instance logs were written"
    secrets_dir = project.home() / "secrets"
    assert _files_holding(project.home(), CANARY.encode(), skip=secrets_dir) == []   # state.db, JSONL, logs
    assert (project.home() / "state.db").exists() and list((project.home() / "events").glob("*.jsonl"))
    with contextlib.closing(sqlite3.connect(project.home() / "state.db")) as db:
        pinned = {json.loads(spec)["version"]: json.loads(spec)["secrets"] for (spec,) in
                  db.execute("SELECT spec FROM releases")}
    assert pinned == {"1.0.0": {"API_KEY": 1}, "2.0.0": {"API_KEY": 1}}   # names and versions, never values


def test_an_app_that_prints_its_secret_has_it_masked_in_every_shipmate_output(project: Project) -> None:
    _use_secret_app(project)
    project.spec("1.0.0", extra="secrets: [API_KEY]\n", app_env={"APP_LEAK": "1", "APP_FAIL_HEALTH": "1"},
                 deadline="1500ms")
    _set_secret(project, "API_KEY", CANARY)
    proc = project.run("deploy", "--json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "debug: key is ***" in proc.stdout          # the app's last words are quoted, masked
    events = project.run("events", "--json", "--limit", "1000").stdout + project.run("status").stdout
    assert CANARY not in proc.stdout + proc.stderr + events
    leaked = _files_holding(project.home(), CANARY.encode(), skip=project.home() / "secrets")
    assert leaked and all(path.endswith(".log") for path in leaked), leaked   # only the app's own log


def test_a_rotated_secret_is_used_by_the_next_deploy(project: Project) -> None:
    _use_secret_app(project)
    project.spec("1.0.0", extra="secrets: [API_KEY]\n")
    _set_secret(project, "API_KEY", "first-value-abc")
    project.json("deploy")
    rotated = json.loads(_set_secret(project, "API_KEY", "second-value-def").stdout)
    assert rotated["rotated"] is True and rotated["secret"]["version"] == 2
    out = project.json("deploy")
    assert out.get("noop") is not True and out["state"] == "succeeded"
    assert project.get("/")["sha256"] == hashlib.sha256(b"second-value-def").hexdigest()


def test_a_rollback_runs_with_the_secret_version_its_release_recorded(project: Project) -> None:
    _use_secret_app(project)
    project.spec("1.0.0", extra="secrets: [API_KEY]\n")
    _set_secret(project, "API_KEY", "first-value-abc")
    project.json("deploy")
    project.spec("2.0.0", extra="secrets: [API_KEY]\n")
    project.json("deploy")
    _set_secret(project, "API_KEY", "second-value-def")     # set, not deployed yet: v1 stays in use
    project.json("rollback", "--to", "1.0.0")
    assert project.get("/") == {"sha256": hashlib.sha256(b"first-value-abc").hexdigest(), "version": "1.0.0"}
    project.json("secrets", "rm", "API_KEY")
    out = project.json("rollback", "--to", "2.0.0", expect=7)
    assert "API_KEY v1" in out["error"]["message"]
    assert project.get("/")["version"] == "1.0.0"


def test_a_rotation_retires_the_old_version_once_verified_and_a_rollback_then_runs_with_the_new(
        project: Project) -> None:
    _use_secret_app(project)
    project.spec("1.0.0", extra="secrets: [API_KEY]\n")
    _set_secret(project, "API_KEY", "first-value-abc")
    project.json("deploy")
    project.spec("2.0.0", extra="secrets: [API_KEY]\n")
    subprocess.run([SHIPMATE, "secrets", "rotate", "API_KEY"], input="second-value-def", cwd=project.root,
                   env=project.env, capture_output=True, text=True, timeout=60, check=True)
    assert project.json("deploy")["verified"] is True
    assert sorted(p.name for p in (project.home() / "secrets" / "API_KEY").iterdir()) == ["v2"]
    out = project.json("rollback", "--to", "1.0.0")
    assert any("API_KEY v1" in warning and "v2" in warning for warning in out["warnings"]), out
    assert project.get("/") == {"sha256": hashlib.sha256(b"second-value-def").hexdigest(), "version": "1.0.0"}


def test_a_declared_secret_that_is_not_set_exits_7_naming_it_and_nothing_starts(project: Project) -> None:
    _use_secret_app(project)
    project.spec("1.0.0", extra="secrets: [API_KEY]\n")
    out = project.json("deploy", expect=7)
    assert "API_KEY" in out["error"]["message"]
    assert "shipmate secrets set API_KEY" in out["error"]["hint"]
    assert not project.home().exists()
    assert project.our_processes() == []


def test_a_value_failing_its_pattern_is_refused_naming_the_secret_never_the_value(project: Project) -> None:
    _use_secret_app(project)
    project.spec("1.0.0", extra='secrets: [{name: API_KEY, pattern: "^sk-[a-z]+$", min_length: 8}]\n')
    _set_secret(project, "API_KEY", "not-the-right-shape-1234")
    proc = project.run("deploy")
    assert proc.returncode == 2, proc.stderr
    assert "API_KEY" in proc.stderr and "pattern" in proc.stderr
    assert "not-the-right-shape-1234" not in proc.stdout + proc.stderr
    assert not (project.home() / "state.db").exists()
    assert project.our_processes() == []


def test_the_value_is_never_taken_from_argv(project: Project) -> None:
    proc = project.run("secrets", "set", "API_KEY", "hunter2-hunter2")
    assert proc.returncode == 2
    assert not (project.home() / "secrets").exists()


def test_staging_and_production_run_with_their_own_values_and_a_service_wide_one_is_the_fallback(
        project: Project) -> None:
    from tests.waiting import free_port

    _use_secret_app(project)
    production_port = free_port()
    project.spec("1.0.0", extra=f"secrets: [API_KEY]\nenvironments:\n  staging: {{}}\n"
                                f"  production: {{port: {production_port}}}\n")
    _set_secret(project, "API_KEY", "shared-value-0000")
    proc = subprocess.run([SHIPMATE, "secrets", "set", "API_KEY", "--env", "production", "--json"],
                          input="production-value-1111\n", cwd=project.root, env=project.env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["secret"]["environment"] == "production"
    typo = subprocess.run([SHIPMATE, "secrets", "set", "API_KEY", "--env", "prod"], input="x-value-22222\n",
                          cwd=project.root, env=project.env, capture_output=True, text=True, timeout=60)
    assert typo.returncode == 2 and "unknown environment 'prod'" in typo.stderr and "Traceback" not in typo.stderr

    assert project.json("deploy", "--env", "staging")["state"] == "succeeded"
    assert project.json("deploy", "--env", "production")["state"] == "succeeded"
    assert project.get("/")["sha256"] == hashlib.sha256(b"shared-value-0000").hexdigest()
    production = Project(project.root, production_port, project.env)
    assert production.get("/")["sha256"] == hashlib.sha256(b"production-value-1111").hexdigest()
    listed = project.json("secrets", "list")["secrets"]
    assert [(s["name"], s.get("environment")) for s in listed] == [("API_KEY", None), ("API_KEY", "production")]
