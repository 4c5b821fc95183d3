"""Bad input: one line naming the thing, a hint, the documented exit code, nothing changed."""

from __future__ import annotations

import socket
import threading

from tests.e2e.cli_project import Project
from tests.waiting import wait_until


def _assert_clean_error(proc_stderr: str) -> None:
    assert "Traceback" not in proc_stderr
    # known fixes from the failure memory come first (issue 18), then the error itself
    lines = [ln for ln in proc_stderr.splitlines() if ln.strip() and not ln.startswith(("known fix", "  "))]
    assert lines[0].startswith("error: ") and any(ln.startswith("hint: ") for ln in lines)


def test_unknown_key_exits_2_naming_the_path_and_writes_nothing(project: Project) -> None:
    project.spec("1.0.0", extra="helth: {}\n")
    proc = project.run("deploy")
    assert proc.returncode == 2
    _assert_clean_error(proc.stderr)
    assert "helth" in proc.stderr and "health" in proc.stderr
    assert not project.home().exists()


def test_missing_spec_file_exits_2_with_a_hint_to_init(project: Project) -> None:
    out = project.json("deploy", "-f", "nope.yaml", expect=2)
    assert out["error"]["code"] == "spec_invalid" and "init" in out["error"]["hint"]


def test_dry_run_prints_the_plan_and_touches_nothing(project: Project) -> None:
    project.spec("1.0.0")
    out = project.json("deploy", "--dry-run")
    assert out["dry_run"] is True
    assert [s["name"] for s in out["plan"]["steps"]][:2] == ["preflight", "start_instances"]
    assert not project.home().exists()
    assert project.our_processes() == []


def test_port_already_taken_exits_7_and_writes_nothing(project: Project) -> None:
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", project.port))
        squatter.listen()
        project.spec("1.0.0")
        proc = project.run("deploy")
    assert proc.returncode == 7, proc.stderr
    _assert_clean_error(proc.stderr)
    assert str(project.port) in proc.stderr
    assert not project.home().exists()


def test_command_not_found_exits_7_and_the_running_release_is_untouched(project: Project) -> None:
    project.spec("1.0.0")
    before = project.json("deploy")
    text = (project.root / "shipmate.yaml").read_text().replace('command: ["', 'command: ["/no/such/bin", "')
    (project.root / "shipmate.yaml").write_text(text.replace('"1.0.0"', '"2.0.0"'))
    out = project.json("deploy", expect=7)
    assert "command not found" in out["error"]["message"]
    assert project.get("/")["version"] == "1.0.0"
    history = project.json("history")["deployments"]
    assert [d["deployment_id"] for d in history] == [before["deployment_id"]]


def test_second_deploy_while_one_runs_exits_4(project: Project) -> None:
    project.spec("1.0.0", monitor="6s")
    first = project.spawn("deploy", "--json")
    wait_until(lambda: any(lk.get("held") for lk in project.json("lock", "status")["locks"]), 30,
             "the first deploy to take its lock")
    out = project.json("deploy", expect=4)
    assert out["error"]["code"] == "locked"
    stdout, _ = first.communicate(timeout=60)
    assert first.returncode == 0, stdout


def test_lock_release_refuses_a_live_owner_without_force(project: Project) -> None:
    project.spec("1.0.0", monitor="6s")
    first = project.spawn("deploy", "--json")
    wait_until(lambda: any(lk.get("held") for lk in project.json("lock", "status")["locks"]), 30,
             "the first deploy to take its lock")
    out = project.json("lock", "release", expect=4)
    assert out["error"]["code"] == "locked"
    first.communicate(timeout=60)


def test_json_mode_prints_exactly_one_object_even_on_errors(project: Project) -> None:
    project.spec("1.0.0", extra="monitor_x: 1\n")
    out = project.json("validate", expect=2)
    assert out["ok"] is False and out["error"]["exit_code"] == 2


def test_concurrent_status_calls_during_a_deploy_never_fail(project: Project) -> None:
    project.spec("1.0.0", monitor="2s")
    first = project.spawn("deploy", "--json")
    errors: list[tuple[int, str, str]] = []

    def poll() -> None:
        for _ in range(5):
            proc = project.run("status", "--json")
            if proc.returncode != 0:
                errors.append((proc.returncode, proc.stdout, proc.stderr[-2000:]))

    workers = [threading.Thread(target=poll) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    first.communicate(timeout=60)
    assert errors == [] and first.returncode == 0
