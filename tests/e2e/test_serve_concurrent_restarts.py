"""`shipmate serve` runs each restart off its loop: one service's restart that waits for health does not
hold up the restart of another service that died meanwhile."""

from __future__ import annotations

import time
from typing import Any

from tests.e2e.cli_project import Project
from tests.e2e.serve_support import Serve, app_pid, kill, supervise_block
from tests.waiting import free_port, wait_until

# The app of the "slow" service: hangs before it starts while the marker file exists (its restart, not its deploy).
HANGS_WHILE_MARKED = """import os, runpy, time
while os.path.exists(os.environ["HANG_MARKER"]):
    time.sleep(0.2)
runpy.run_path("app.py", run_name="__main__")
"""


def _instances(project: Project, spec: str) -> list[dict[str, Any]]:
    found = project.json("status", "-f", spec)["environments"][0]["instances"]
    return [i for i in found if i["role"] == "current"]


def test_a_restart_hanging_in_its_start_does_not_delay_another_services_restart(project: Project) -> None:
    marker = project.root / "hang-on-start"
    project.spec("1.0.0", extra=supervise_block())
    (project.root / "slow_app.py").write_text(HANGS_WHILE_MARKED)
    slow = project.spec("1.0.0", name="slow.yaml", command="slow_app.py", deadline="60s",
                        app_env={"HANG_MARKER": str(marker)}, extra=supervise_block())
    slow.write_text(slow.read_text().replace("service: hello", "service: slow")
                    .replace(f"port: {project.port}", f"port: {free_port()}"))
    assert project.json("deploy")["state"] == "succeeded"
    assert project.json("deploy", "-f", "slow.yaml")["state"] == "succeeded"
    serve = Serve(project)
    serve.proc = project.spawn("serve", "-f", "shipmate.yaml", "-f", "slow.yaml", "--port", str(serve.port))
    wait_until(lambda: serve.health().get("instances") == 2, 30, "serve to watch both services")

    marker.write_text("hang")
    kill(app_pid(_instances(project, "slow.yaml")[0]))
    wait_until(lambda: any(s["service"] == "slow" and s["pending_restarts"] for s in serve.health()["services"]),
               20, "the slow service's restart to begin")
    before = _instances(project, "shipmate.yaml")[0]
    kill(app_pid(before))
    began = time.monotonic()

    def hello_back() -> bool:
        now = _instances(project, "shipmate.yaml")
        return len(now) == 1 and now[0]["alive"] and now[0]["restarts"] == 1
    wait_until(hello_back, 20, "the other service to be restarted while the slow restart hangs")
    assert time.monotonic() - began < 20
    assert any(s["service"] == "slow" and s["pending_restarts"] for s in serve.health()["services"]), \
        "the slow restart still waits for health: it did not hold the loop"
    wait_until(lambda: project.serves("1.0.0"), 15, "the restarted service to serve")
    marker.unlink()
    wait_until(lambda: (lambda s: len(s) == 1 and s[0]["alive"] and s[0]["restarts"] == 1)(
        _instances(project, "slow.yaml")), 60, "the slow service to come back once its start no longer hangs")
    assert serve.stop() == 0
