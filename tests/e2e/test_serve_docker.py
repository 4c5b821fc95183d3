"""Docker under `shipmate serve`: current containers get a restart policy, so they come back by themselves even
with serve stopped; while serve runs, such a restart is still recorded as a death. Needs a Docker engine."""

from __future__ import annotations

import os
import signal
from typing import Any

from tests.e2e.cli_project import Project
from tests.e2e.docker_project import containers_of
from tests.e2e.serve_support import Serve, events_of, supervise_block
from tests.waiting import wait_until


def _spec(project: Project) -> None:
    (project.root / "shipmate.yaml").write_text(f"""service: hello-docker
version: "1"
port: {project.port}
target:
  kind: docker
  build: {{context: .}}
  container_port: 8000
  stop_grace: 3s
health:
  interval: 200ms
  deadline: 30s
  checks:
    - http: {{path: /health, status: 200}}
drain: 1s
monitor:
  duration: 1s
  interval: 200ms
  min_samples: 3
{supervise_block()}""")


def _the_container(engine: Any, project: Project) -> Any:
    running = containers_of(engine, project, running_only=True)
    assert len(running) == 1, running
    return running[0]


def _kill_from_the_host(container: Any) -> None:
    """SIGKILL the container's PID 1 as a crash would (`docker kill` counts as a manual stop: no restart)."""
    container.reload()
    os.kill(int(container.attrs["State"]["Pid"]), signal.SIGKILL)


def _restarted(engine: Any, project: Project, count: int) -> bool:
    running = containers_of(engine, project, running_only=True)
    return len(running) == 1 and int(running[0].attrs.get("RestartCount") or 0) >= count


def test_containers_come_back_by_their_restart_policy_with_serve_stopped(project: Project, engine: Any) -> None:
    _spec(project)
    assert project.json("deploy", timeout=240)["state"] == "succeeded"
    serve = Serve(project).start()

    def policy() -> str:
        container = _the_container(engine, project)
        return str(container.attrs["HostConfig"]["RestartPolicy"]["Name"])
    wait_until(lambda: policy() == "unless-stopped", 30, "serve to give the current container a restart policy")

    _kill_from_the_host(_the_container(engine, project))         # with serve watching: recorded as a death
    wait_until(lambda: _restarted(engine, project, 1), 30, "Docker to restart the container")
    wait_until(lambda: any(e["status"] == "restarted_by_engine" for e in events_of(project, "instance.died")), 30,
               "serve to record the engine's restart")

    assert serve.stop() == 0
    wait_until(lambda: project.serves("1"), 30, "the restarted container to serve")
    assert len(containers_of(engine, project)) == 1   # the same container, not a second one from serve
    assert not [e for e in events_of(project, "instance.died") if e["status"] != "restarted_by_engine"]
    _kill_from_the_host(_the_container(engine, project))         # serve stopped: Docker alone brings it back
    wait_until(lambda: _restarted(engine, project, 2), 30, "Docker to restart the container without serve")
    wait_until(lambda: project.serves("1"), 30, "the public port to serve again")
    project.json("down", timeout=120)
    assert containers_of(engine, project, running_only=True) == []   # a stopped container stays stopped
