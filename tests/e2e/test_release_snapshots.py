"""A release is bytes, not a label: every instance of a process release runs from that release's snapshot.

Real CLI, real sample app and a real uvicorn; the project's files are changed between deploys the way a
developer changes them, and what serves is asked over HTTP.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import psutil
import pytest

from tests.e2e.cli_project import Project
from tests.waiting import free_port, wait_until

GREETING_LINE = 'greeting = os.environ.get("GREETING", "hello")'


def code(project: Project, mark: str) -> None:
    """Make the sample app answer GET / with ``mark`` as its greeting: a change of code, not of config."""
    app = project.root / "app.py"
    text = app.read_text()
    if GREETING_LINE in text:
        text = text.replace(GREETING_LINE, f'greeting = "{mark}"')
    else:
        start = text.index('greeting = "')
        end = text.index('"', start + len('greeting = "'))
        text = text[:start] + f'greeting = "{mark}' + text[end:]
    app.write_text(text)


def serving(project: Project) -> tuple[str, str]:
    body = project.get("/")
    return body["version"], body["greeting"]


def instance_cwds(project: Project) -> set[str]:
    cwds: set[str] = set()
    for proc in project.our_processes():
        try:
            if proc.environ().get("PORT"):
                cwds.add(proc.cwd())
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return cwds


@pytest.mark.slow
def test_rollback_after_a_code_change_serves_the_old_bytes(project: Project) -> None:
    code(project, "code-A")
    project.spec("1.0.0")
    project.json("deploy")
    assert serving(project) == ("1.0.0", "code-A")
    code(project, "code-B")
    project.spec("2.0.0")
    project.json("deploy")
    assert serving(project) == ("2.0.0", "code-B")

    out = project.json("rollback", "--to", "1.0.0")
    assert out["state"] == "succeeded", out
    assert serving(project) == ("1.0.0", "code-A")      # the old bytes, though app.py on disk says code-B
    assert (project.root / "app.py").read_text().count("code-B") == 1
    snapshots = project.home() / "snapshots"
    assert all(Path(cwd).is_relative_to(snapshots) for cwd in instance_cwds(project)), instance_cwds(project)
    status = project.json("status")["environments"][0]["current"]
    assert status["version"] == "1.0.0" and status["artifact_short"]


@pytest.mark.slow
def test_same_version_with_changed_files_is_a_new_release_and_unchanged_files_stay_running(
        project: Project) -> None:
    code(project, "code-A")
    project.spec("1.0.0")
    first = project.json("deploy")
    assert not first.get("noop")
    code(project, "code-B")
    second = project.json("deploy")
    assert not second.get("noop") and second["state"] == "succeeded", second
    assert serving(project) == ("1.0.0", "code-B")
    again = project.json("deploy")
    assert again.get("noop") is True
    history = project.json("history")["deployments"]
    shown = {d["artifact_short"] for d in history if d["kind"] == "deploy"}
    assert len(shown) == 2 and all(shown), history
    text = project.run("history").stdout
    assert all(f"1.0.0 ({short})" in text for short in shown), text


@pytest.mark.slow
def test_crash_recovery_restarts_the_previous_release_from_its_snapshot(project: Project) -> None:
    code(project, "code-A")
    project.spec("1.0.0")
    project.json("deploy")
    [v1] = project.current_instances()
    code(project, "code-B")
    project.spec("2.0.0")
    proc = project.run("deploy", "--json", env={"SHIPMATE_CRASHPOINT": "step:3"})
    assert proc.returncode == -9
    os.kill(v1["pid"], signal.SIGKILL)      # the old release's app dies too, while nobody watches
    wait_until(lambda: not psutil.pid_exists(v1["pid"]) or psutil.Process(v1["pid"]).status() == "zombie",
               10, "the old instance to die")
    recovered = project.json("recover")["recovered"]
    assert any(r.get("outcome") == "rolled_back" for r in recovered), recovered
    wait_until(lambda: project.serves("1.0.0"), 30, "1.0.0 to serve again")
    assert serving(project) == ("1.0.0", "code-A")


UVICORN_APP = '''import json
MARK = "{mark}"


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({{"type": "lifespan.startup.complete"}})
            elif message["type"] == "lifespan.shutdown":
                await send({{"type": "lifespan.shutdown.complete"}})
                return
    body = json.dumps({{"mark": MARK}}).encode()
    await send({{"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}})
    await send({{"type": "http.response.body", "body": body}})
'''


@pytest.mark.slow
def test_uvicorn_rolled_back_serves_the_module_it_was_deployed_with(project: Project) -> None:
    (project.root / "asgi_app.py").write_text(UVICORN_APP.format(mark="code-A"))

    def spec(version: str) -> None:
        (project.root / "shipmate.yaml").write_text(f"""service: asgi
version: "{version}"
port: {project.port}
target:
  kind: process
  command: ["{sys.executable}", "-m", "uvicorn", "asgi_app:app", "--host", "127.0.0.1", "--port", "${{PORT}}"]
  stop_grace: 3s
health:
  interval: 100ms
  deadline: 20s
  checks:
    - http: {{path: /health, status: 200}}
monitor:
  duration: 1s
  interval: 100ms
  min_samples: 3
""")

    spec("1.0.0")
    project.json("deploy")
    assert project.get("/")["mark"] == "code-A"
    (project.root / "asgi_app.py").write_text(UVICORN_APP.format(mark="code-B"))
    spec("2.0.0")
    project.json("deploy")
    assert project.get("/")["mark"] == "code-B"
    project.json("rollback", "--to", "1.0.0")
    assert project.get("/")["mark"] == "code-A"


@pytest.mark.slow
@pytest.mark.parametrize("point", ["snapshot:filled", "snapshot:built"])
def test_a_deploy_killed_mid_snapshot_leaves_no_release_and_the_next_deploy_writes_it_again(
        project: Project, point: str) -> None:
    code(project, "code-A")
    project.spec("1.0.0")
    project.json("deploy")
    code(project, "code-B")
    project.spec("2.0.0")
    proc = project.run("deploy", "--json", env={"SHIPMATE_CRASHPOINT": point})
    assert proc.returncode == -9
    folder = project.home() / "snapshots" / "hello"
    unsealed = [p for p in folder.iterdir() if p.is_dir() and not p.with_name(p.name + ".json").exists()]
    assert len(unsealed) == 1                                  # a folder without its seal: nobody's release
    env = project.json("status")["environments"][0]
    assert env["current"]["version"] == "1.0.0" and env["serving"] is True
    assert env["deployment_in_progress"] is None
    assert [d["version"] for d in project.json("history")["deployments"]] == ["1.0.0"]
    assert serving(project) == ("1.0.0", "code-A")
    project.json("deploy")
    assert serving(project) == ("2.0.0", "code-B")
    assert all(p.with_name(p.name + ".json").exists() for p in folder.iterdir() if p.is_dir())


@pytest.mark.slow
def test_promote_runs_the_staging_snapshot_even_after_the_files_on_disk_moved_on(project: Project) -> None:
    production = free_port()
    extra = f"environments:\n  staging: {{}}\n  production:\n    port: {production}\n"
    code(project, "code-A")
    project.spec("1.0", extra=extra)
    staged = project.json("deploy", "-e", "staging")
    assert staged["verified"] is True
    code(project, "code-B")                               # work goes on after staging passed
    out = project.json("promote", "--from", "staging", "--to", "production")
    assert out["state"] == "succeeded", out
    body = project.get_direct(production)
    assert body["greeting"] == "code-A"                   # what passed staging, not what is on disk
    staging, prod = (project.json("status", "-e", env)["environments"][0]["current"]
                     for env in ("staging", "production"))
    assert staging["snapshot"] == prod["snapshot"] and staging["artifact_short"] == prod["artifact_short"]
