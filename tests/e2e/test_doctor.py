"""`shipmate doctor` on real processes: "ready" when all is well; a killed router, a killed deploy (a dead
holder's lock, an instance with no record) are found with their fixes, `--fix` applies only those safe fixes and
says so, and `--bundle` writes a redacted archive in which a canary secret never appears."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tarfile
from pathlib import Path

import psutil

from tests.e2e.cli_project import SHIPMATE, Project
from tests.waiting import wait_until

SECRET_APP = Path(__file__).parent / "apps" / "secret_app.py"
CANARY = "canary-5d1e-doctor-DO-NOT-LEAK"


def _doctor(project: Project, *args: str, expect: int) -> dict[str, object]:
    return project.json("doctor", *args, expect=expect)


def _ids(report: dict[str, object]) -> list[str]:
    return [str(found["id"]) for found in report["findings"]]  # type: ignore[attr-defined]


def test_a_healthy_service_is_ready_and_plain_text_prints_only_what_fails(project: Project) -> None:
    project.spec("1.0.0")
    project.json("deploy")
    report = _doctor(project, expect=0)
    # the deploy registered the home; nothing supervises it (no `shipmate serve` here): a warning, still ready
    assert _ids(report) == ["prereq.serve"] and report["ready"] is True, report
    assert report["summary"] == "ready with 1 warning", report
    plain = project.run("doctor")
    lines = plain.stdout.splitlines()
    assert plain.returncode == 0 and lines[0].startswith("warning prereq.serve:"), plain.stdout + plain.stderr
    assert lines[-1] == "ready with 1 warning" and len(lines) == 3, plain.stdout


def test_a_killed_router_is_found_and_fix_restarts_it_and_says_so(project: Project) -> None:
    project.spec("1.0.0")
    project.json("deploy")
    pid = int((project.home() / "router" / "router.pid").read_text().split()[0])
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE,
               10, "the router to die")
    report = _doctor(project, expect=3)
    assert _ids(report)[0] == "router.down", report
    assert report["summary"].startswith("not ready: 1 error"), report  # type: ignore[union-attr]
    fixed = _doctor(project, "--fix", expect=0)
    assert fixed["fixed"] == ["restarted the router with its saved routes"], fixed
    assert _ids(fixed) == ["prereq.serve"] and fixed["summary"] == "ready with 1 warning; fixed 1", fixed
    assert project.get("/")["version"] == "1.0.0"


def test_a_killed_deploy_leaves_a_dead_lock_and_an_orphan_that_fix_clears_while_v1_serves(project: Project) -> None:
    project.spec("1.0.0")
    project.json("deploy")
    project.spec("2.0.0")
    killed = project.run("deploy", env={"SHIPMATE_CRASHPOINT": "instance:started"})
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    report = _doctor(project, expect=4)
    ids = _ids(report)
    assert ids[0] == "locks.interrupted_deployment", report
    assert {"locks.stale", "orphans.instance"} <= set(ids), report
    assert project.get("/")["version"] == "1.0.0"          # doctor only looked

    fixed = _doctor(project, "--fix", expect=4)             # the interrupted deployment is `recover`'s, not ours
    assert any(line.startswith("released lock hello/default") for line in fixed["fixed"]), fixed  # type: ignore
    assert any(line.startswith("stopped instance ins_") for line in fixed["fixed"]), fixed  # type: ignore
    assert "orphans.instance" not in _ids(fixed) and "locks.stale" not in _ids(fixed), fixed
    project.json("recover")
    after = _doctor(project, expect=0)       # what is left is the memory's: the last deployment failed
    assert _ids(after) == ["memory.last_failure", "prereq.serve"], after
    assert project.get("/")["version"] == "1.0.0"


def test_the_bundle_holds_spec_events_and_log_tails_and_never_the_secret(project: Project, tmp_path: Path) -> None:
    shutil.copy(SECRET_APP, project.root / "app.py")
    project.spec("1.0.0", extra="secrets: [API_KEY]\n", app_env={"APP_LEAK": "1"})
    setting = subprocess.run([SHIPMATE, "secrets", "set", "API_KEY"], input=CANARY + "\n", cwd=project.root,
                             env=project.env, capture_output=True, text=True, timeout=60)
    assert setting.returncode == 0, setting.stderr
    project.json("deploy")
    project.get("/")                                        # the careless app logs its secret on each request
    log_files = list((project.home()).rglob("*.log"))
    assert any(CANARY.encode() in path.read_bytes() for path in log_files), "the app really leaked it"

    bundle = tmp_path / "doctor.tar.gz"
    report = _doctor(project, "--bundle", str(bundle), expect=0)
    assert report["bundle"]["path"] == str(bundle), report  # type: ignore[index]
    with tarfile.open(bundle) as tar:
        files = {member.name.split("/", 1)[1]: tar.extractfile(member).read()  # type: ignore[union-attr]
                 for member in tar.getmembers()}
    assert {"shipmate.yaml", "versions.json", "doctor.json", "status.json", "events.json", "logs.json"} <= set(files)
    assert all(CANARY.encode() not in data for data in files.values())
    assert b"***" in files["logs.json"]                     # the leaked line is there, filtered
    assert json.loads(files["events.json"])["events"], "recent events are in it"
    assert b"service: hello" in files["shipmate.yaml"]


def test_before_the_first_deploy_a_missing_secret_and_a_taken_port_are_prerequisites_exit_7(
        project: Project) -> None:
    import socket

    project.spec("1.0.0", extra="secrets: [API_KEY]\n")
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", project.port))
        squatter.listen()
        report = _doctor(project, expect=7)
    assert _ids(report) == ["prereq.port", "prereq.secret_missing"], report
    missing = report["findings"][1]  # type: ignore[index]
    assert missing["fix"] == "shipmate secrets set API_KEY < value-file", missing
    plain = project.run("doctor")
    assert plain.returncode == 7 and plain.stdout.splitlines()[-1].startswith("not ready: 1 error"), plain.stdout
    assert "Traceback" not in plain.stderr


def test_with_shipmate_serve_supervising_the_serve_warning_goes(project: Project) -> None:
    project.spec("1.0.0")
    project.json("deploy")
    assert "prereq.serve" in _ids(_doctor(project, expect=0))
    from tests.waiting import free_port

    serve = project.spawn("serve", "-f", str(project.root / "shipmate.yaml"), "--port", str(free_port()))
    try:
        wait_until(lambda: serve.poll() is not None or "prereq.serve" not in _ids(_doctor(project, expect=0)),
                   60, "serve to take this home's serve lock")
        assert serve.poll() is None, project.finish(serve, timeout=10)
        assert _doctor(project, expect=0)["findings"] == []
    finally:
        serve.send_signal(signal.SIGTERM)
        project.finish(serve, timeout=30)
