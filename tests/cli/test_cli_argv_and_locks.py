"""${PORT} in argv with a real third-party server, and `lock status -f FILE` naming one service."""

from __future__ import annotations

import sys
import urllib.request

from tests.e2e.cli_project import Project
from tests.waiting import free_port


def _http_server_spec(project: Project, version: str) -> None:
    (project.root / "index.html").write_text(f"<p>static {version}</p>\n")
    (project.root / "shipmate.yaml").write_text(f"""service: static
version: "{version}"
port: {project.port}
target:
  kind: process
  command: ["{sys.executable}", "-m", "http.server", "--bind", "127.0.0.1", "${{PORT}}"]
  stop_grace: 2s
health:
  interval: 100ms
  deadline: 15s
  checks: [{{http: {{path: /index.html, status: 200}}}}]
drain: 1s
monitor: {{duration: 1s, interval: 100ms, min_samples: 3}}
""")


def test_python_http_server_gets_its_port_from_argv_and_serves(project: Project) -> None:
    _http_server_spec(project, "1.0.0")
    out = project.json("deploy")
    assert out["state"] == "succeeded" and out["verified"] is True
    with urllib.request.urlopen(f"http://127.0.0.1:{project.port}/index.html", timeout=5) as resp:
        assert b"static 1.0.0" in resp.read()
    _http_server_spec(project, "2.0.0")
    assert project.json("deploy")["state"] == "succeeded"
    with urllib.request.urlopen(f"http://127.0.0.1:{project.port}/index.html", timeout=5) as resp:
        assert b"static 2.0.0" in resp.read()
    apps = project.instance_apps()
    assert len(apps) == 1
    app = apps[0].cmdline()
    assert "${PORT}" not in app and app[-1].isdigit()


def test_an_unknown_variable_in_argv_exits_2_naming_the_element(project: Project) -> None:
    project.spec("1.0.0")
    text = (project.root / "shipmate.yaml").read_text().replace('"app.py"]', '"app.py", "${HOME}"]')
    (project.root / "shipmate.yaml").write_text(text)
    out = project.json("deploy", expect=2)
    assert out["error"]["path"] == "target.command[2]"
    assert "${HOME}" in out["error"]["message"] and "${PORT}" in out["error"]["hint"]
    assert not project.home().exists()


def test_lock_status_with_a_file_lists_only_that_services_locks(project: Project) -> None:
    project.spec("1.0.0")
    other = (project.root / "shipmate.yaml").read_text().replace("service: hello", "service: other")
    other = other.replace(f"port: {project.port}", f"port: {free_port()}")
    (project.root / "other.yaml").write_text(other)
    project.json("deploy")
    project.json("deploy", "-f", "other.yaml")
    all_keys = {lk["key"] for lk in project.json("lock", "status", "-f", "shipmate.yaml")["locks"]}
    other_keys = {lk["key"] for lk in project.json("lock", "status", "-f", "other.yaml")["locks"]}
    assert all_keys == {"hello/default"}
    assert other_keys == {"other/default"}
    project.json("down", "-f", "other.yaml")
