"""`shipmate serve` keeps the current release running: restarts, adoption, one serve per home, crash loops."""

from __future__ import annotations

import signal
import urllib.request

import psutil

from tests.e2e.cli_project import Project
from tests.e2e.real_servers import SERVERS, write_server_spec
from tests.e2e.serve_support import Serve, app_pid, current, events_of, kill, supervise_block
from tests.waiting import wait_until


def test_a_sigkilled_app_is_restarted_and_status_tells_restarts_and_last_exit(project: Project) -> None:
    project.spec("1.0.0", extra=supervise_block())
    project.json("deploy")
    watcher = project.json("status")["supervisor"]
    assert watcher["running"] is False and "shipmate serve" in watcher["hint"]
    serve = Serve(project).start()
    assert project.json("status")["supervisor"]["running"] is True
    before = current(project)[0]
    kill(app_pid(before))

    def restarted() -> bool:
        now = current(project)
        return len(now) == 1 and now[0]["alive"] and now[0]["restarts"] == 1
    wait_until(restarted, 30, "serve to restart the killed app")
    after = current(project)[0]
    assert after["pid"] != before["pid"] and after["instance_id"] != before["instance_id"]
    assert "SIGKILL" in after["last_exit"]["status"] and after["in_rotation"] is True
    assert after["uptime_s"] is not None and after["memory_mb"] and after["artifact"]
    wait_until(lambda: project.serves("1.0.0"), 15, "the public port to serve again")
    died = events_of(project, "instance.died")
    assert died and "SIGKILL" in died[-1]["notes"] and died[-1]["data"]["last_lines"]
    assert events_of(project, "instance.restarted")
    assert serve.stop() == 0
    assert current(project)[0]["alive"] is True   # stopping serve stops nobody's service


def test_serve_restarted_adopts_running_instances_and_a_second_serve_exits_4(project: Project) -> None:
    project.spec("1.0.0", replicas=2, extra=supervise_block())
    project.json("deploy")
    first = Serve(project).start()
    pids = sorted(app_pid(i) for i in current(project))

    second = project.run("serve", "-f", "shipmate.yaml", "--port", str(Serve(project).port), timeout=60)
    assert second.returncode == 4, second.stderr
    assert first.proc is not None and f"pid {first.proc.pid}" in second.stderr and "Traceback" not in second.stderr

    assert first.stop() == 0
    assert sorted(i["pid"] for i in current(project) if i["alive"]) == pids   # instances outlive serve
    again = Serve(project).start()
    wait_until(lambda: again.health().get("instances") == 2, 20, "the new serve to adopt both instances")
    now = current(project)
    assert sorted(i["pid"] for i in now) == pids and all(i["restarts"] == 0 and i["alive"] for i in now)
    assert not events_of(project, "instance.died")
    again.kill()   # SIGKILLed: still nobody's service stops, and status says nothing supervises now
    assert all(psutil.pid_exists(pid) for pid in pids)
    assert project.json("status")["supervisor"]["running"] is False


def test_a_crash_loop_after_the_switch_is_rolled_back_by_serve(project: Project) -> None:
    loop = supervise_block(crash_loop="{deaths: 2, within: 5m}")
    project.spec("1.0.0", extra=loop)
    assert project.json("deploy")["verified"] is True
    Serve(project).start()
    project.spec("2.0.0", app_env={"HELLO_CRASH_AFTER": "3"}, extra=loop)   # healthy through its window, then dies
    assert project.json("deploy")["state"] == "succeeded"
    wait_until(lambda: project.json("status")["environments"][0]["current"]["version"] == "1.0.0", 50,
               "serve to roll the crash-looping release back")
    wait_until(lambda: project.serves("1.0.0"), 15, "the last verified release to serve")
    automatic = events_of(project, "rollback.automatic")
    assert [e["status"] for e in automatic] == ["started", "done"]
    assert automatic[0]["data"]["version"] == "2.0.0" and automatic[0]["data"]["deaths"] >= 2
    assert "crash loop" in automatic[0]["notes"]
    assert len(events_of(project, "instance.died")) >= 2
    # The failure memory has the crash loop, with the starter fix it was offered.
    [restart] = [s for s in project.json("memory", "list")["signatures"] if s["phase"] == "restart"]
    shown = project.json("memory", "show", restart["id"])
    assert shown["failures"][0]["kind"] == "restart"
    assert "fix_starter_crash_loop" in shown["failures"][0]["shown_fix_ids"]


def _answers(project: Project, path: str) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{project.port}{path}", timeout=3) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


def test_liveness_restarts_a_hung_uvicorn_and_the_router_routes_around_it(project: Project) -> None:
    uvicorn = SERVERS["uvicorn"]
    spec = write_server_spec(project, uvicorn, replicas=2, extra=supervise_block())
    spec.write_text(spec.read_text().replace("health:\n", "health:\n  timeout: 500ms\n"))
    project.json("deploy")
    Serve(project).start()
    hung = current(project)[0]
    kill(app_pid(hung), signal.SIGSTOP)   # alive to the kernel, deaf to every request: only liveness can tell
    try:
        wait_until(lambda: any(i["instance_id"] == hung["instance_id"] and i["in_rotation"] is False
                               for i in current(project)), 20, "the hung instance to leave the rotation")
        assert all(_answers(project, uvicorn.health_path) for _ in range(20)), "a request reached the hung one"

        def replaced() -> bool:
            now = current(project)
            return hung["instance_id"] not in {i["instance_id"] for i in now} and len(now) == 2 \
                and all(i["alive"] and i["in_rotation"] for i in now)
        wait_until(replaced, 40, "liveness to restart the hung uvicorn")
    finally:
        if psutil.pid_exists(hung["pid"]):
            kill(hung["pid"], signal.SIGCONT)
    fresh = [i for i in current(project) if i["restarts"] == 1]
    assert fresh and "liveness failed 3 times" in fresh[0]["last_exit"]["status"]
    assert len(events_of(project, "instance.restarted")) == 1   # one death, one restart
    assert _answers(project, uvicorn.health_path)


def test_a_crash_loop_spanning_a_serve_restart_still_adds_up_to_a_rollback(project: Project) -> None:
    loop = supervise_block(crash_loop="{deaths: 3, within: 5m}")
    project.spec("1.0.0", extra=loop)
    assert project.json("deploy")["verified"] is True
    project.spec("2.0.0", extra=loop)
    assert project.json("deploy")["state"] == "succeeded"
    first = Serve(project).start()
    for deaths in (1, 2):
        kill(app_pid(current(project)[0]))
        wait_until(lambda n=deaths: (lambda now: len(now) == 1 and now[0]["alive"] and now[0]["restarts"] == n)(
            current(project)), 30, f"serve to restart the app after death {deaths}")
    first.kill()   # the count of two deaths must not die with it
    second = Serve(project).start()
    wait_until(lambda: second.health().get("instances") == 1, 20, "the new serve to adopt the instance")
    kill(app_pid(current(project)[0]))
    wait_until(lambda: project.json("status")["environments"][0]["current"]["version"] == "1.0.0", 40,
               "the new serve to roll back on the third death in the window")
    automatic = events_of(project, "rollback.automatic")
    assert automatic and automatic[0]["data"]["version"] == "2.0.0" and automatic[0]["data"]["deaths"] == 3
    wait_until(lambda: project.serves("1.0.0"), 15, "the last verified release to serve")
    assert second.stop() == 0
