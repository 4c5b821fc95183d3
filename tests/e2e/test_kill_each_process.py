"""SIGKILL each process shipmate owns (the CLI mid-deploy, a log pump, the router, serve): `status` still tells
the truth, and `down` leaves nothing behind (no marked process, no listening instance port)."""

from __future__ import annotations

import os
import signal

import psutil
import pytest

from tests.e2e.cli_project import Project
from tests.e2e.serve_support import Serve, app_pid, current, listening, marked, supervise_block
from tests.waiting import wait_until


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _instance_ports(project: Project) -> set[int]:
    ports = set()
    for proc in marked(project):
        try:
            port = proc.environ().get("PORT", "")
        except psutil.Error:
            continue
        if port.isdigit():
            ports.add(int(port))
    return ports


def _down_leaves_nothing(project: Project, ports: set[int]) -> None:
    assert project.json("down")["stopped_version"]
    wait_until(lambda: not marked(project), 15, "every marked process to be gone after down")
    assert not listening(ports), f"instance ports still open after down: {listening(ports)}"
    assert not [i for i in project.json("status")["environments"][0]["instances"] if i["alive"]]


@pytest.mark.parametrize("victim", ["pump", "router", "serve", "cli"])
def test_sigkill_of_each_shipmate_process_then_status_and_down_tell_the_truth(project: Project, victim: str) -> None:
    project.spec("1.0.0", replicas=2, extra=supervise_block())
    project.json("deploy")
    serve = Serve(project).start()
    apps = {app_pid(i) for i in current(project)}
    if victim == "pump":
        pump = psutil.Process(min(apps)).ppid()
        os.kill(pump, signal.SIGKILL)
        wait_until(lambda: _gone(pump), 10, "the pump to die")
        now = current(project)   # the app outlives its pump: alive, under its own pid, and still served
        assert {i["pid"] for i in now} == apps and all(i["alive"] for i in now)
        assert project.serves("1.0.0")
    elif victim == "router":
        router = int((project.home() / "router" / "router.pid").read_text().split()[0])
        os.kill(router, signal.SIGKILL)
        wait_until(lambda: project.serves("1.0.0"), 10, "serve to bring the router back")
        assert {i["pid"] for i in current(project)} == apps
    elif victim == "serve":
        assert serve.proc is not None
        os.kill(serve.proc.pid, signal.SIGKILL)
        serve.proc.communicate(timeout=30)
        status = project.json("status")
        assert status["supervisor"]["running"] is False
        assert {i["pid"] for i in current(project)} == apps and project.serves("1.0.0")
    else:
        project.spec("2.0.0", replicas=2, monitor="30s", extra=supervise_block())
        deploy = project.spawn("deploy", "--json")
        wait_until(lambda: len(project.instance_apps()) >= 3, 30, "the new release's instances to start")
        deploy.kill()
        deploy.communicate(timeout=30)
        wait_until(lambda: all(i["alive"] for i in current(project)) and len(current(project)) == 2, 30,
                   "status to settle on one release")
        live = {p.pid for p in project.instance_apps()}
        assert {i["pid"] for i in current(project)} == live, "a process runs that status does not report"
    ports = _instance_ports(project)
    assert ports
    _down_leaves_nothing(project, ports)
