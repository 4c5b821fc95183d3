"""An instance that fails at start: the error shows the app's own words once, and a hint for the usual slips."""

from __future__ import annotations

import sys

from tests.e2e.cli_project import Project
from tests.waiting import free_port


def _spec(project: Project, command: str, deadline: str = "3s") -> None:
    (project.root / "shipmate.yaml").write_text(f"""service: broken
version: "1.0.0"
port: {project.port}
target: {{kind: process, command: {command}, stop_grace: 2s}}
health: {{deadline: {deadline}, interval: 100ms, checks: [{{http: {{path: /, status: 200}}}}]}}
monitor: {{duration: 1s, interval: 100ms, min_samples: 3}}
drain: 1s
""")


def test_a_missing_script_shows_the_interpreters_own_message_once(project: Project) -> None:
    _spec(project, f'["{sys.executable}", "nowhere.py"]', deadline="30s")
    out = project.json("deploy", expect=1, timeout=30)
    message = out["error"]["message"]
    assert "can't open file" in message and "nowhere.py" in message
    assert "exited with code 2" in message
    assert message.count("exited with code") == 1 and "[shipmate]" not in message
    proc = project.run("deploy", timeout=30)
    assert proc.returncode == 1 and "can't open file" in proc.stderr


def test_a_literal_dollar_port_in_argv_gets_a_hint_to_use_braces(project: Project) -> None:
    _spec(project, f'["{sys.executable}", "-m", "http.server", "$PORT"]')
    out = project.json("deploy", expect=1, timeout=30)
    assert "invalid int value: '$PORT'" in out["error"]["message"]
    assert "write ${PORT}" in out["error"]["hint"]


def test_an_app_on_a_fixed_port_is_told_to_read_port(project: Project) -> None:
    fixed = free_port()
    _spec(project, f'["{sys.executable}", "-m", "http.server", "--bind", "127.0.0.1", "{fixed}"]', deadline="2s")
    out = project.json("deploy", expect=1, timeout=30)
    message, hint = out["error"]["message"], out["error"]["hint"]
    assert "not healthy after 2s (health.deadline)" in message
    assert f"listens on port {fixed}, not on its $PORT" in hint and "${PORT}" in hint


def test_a_slow_app_reaching_the_deadline_says_so(project: Project) -> None:
    (project.root / "slow.py").write_text("import time\nprint('warming up the cache', flush=True)\n"
                                          "time.sleep(60)\n")
    _spec(project, f'["{sys.executable}", "slow.py"]', deadline="1s")
    out = project.json("deploy", expect=1, timeout=30)
    message = out["error"]["message"]
    assert "not healthy after 1s (health.deadline)" in message and "warming up the cache" in message
    assert "raise health.deadline" in out["error"]["hint"]
