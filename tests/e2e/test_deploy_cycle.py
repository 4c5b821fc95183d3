"""The walking skeleton as a user runs it: deploy, break, roll back by itself, roll back by hand."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from typing import Any

import pytest

from tests.e2e.cli_project import Project
from tests.waiting import free_port, wait_until


def test_first_deploy_serves_on_the_public_port_and_is_verified(project: Project) -> None:
    project.spec("1.0.0")
    out = project.json("deploy")
    assert out["ok"] is True and out["state"] == "succeeded" and out["verified"] is True
    assert out["verdict"]["phase"] == "pass"
    body = project.get("/")
    assert body["version"] == "1.0.0" and body["service"] == "hello" and body["environment"] == "default"
    status = project.json("status")
    env = status["environments"][0]
    assert env["current"]["version"] == "1.0.0" and env["serving"] is True
    assert (env["current"]["replicas"], env["current"]["live"]) == (1, 1)
    [instance] = env["instances"]
    assert (instance["role"], instance["version"], instance["alive"], instance["status"]) == (
        "current", "1.0.0", True, "running")
    assert instance["pid"] in [p.pid for p in project.instance_apps()]
    assert len(project.instance_apps()) == 1
    text = project.run("status").stdout   # the plain table: one line per instance
    assert "instances" in text and instance["instance_id"] in text and "1/1" in text


@pytest.mark.parametrize("breakage", [{"error_rate": 1.0}, {"fail_health": True}], ids=["errors", "health"])
def test_broken_release_is_rolled_back_while_the_previous_keeps_serving(
        project: Project, breakage: dict[str, Any]) -> None:
    project.spec("1.0.0")
    project.json("deploy")
    # v2 passes its health check, takes traffic, then breaks: the monitor window must catch it.
    # A long window: the break lands inside it however loaded the machine; a failing window ends early.
    project.spec("2.0.0", name="broken.yaml", monitor="60s")
    code, out = project.deploy_then_break("2.0.0", breakage, "-f", "broken.yaml")
    assert code == 1, out
    assert out["ok"] is False and out["error"]["code"] == "deployment_failed"
    details = out["error"]["details"]
    assert details["state"] == "rolled_back" and details["previous_version"] == "1.0.0"
    assert "monitor window fail" in details["error"]
    assert project.get("/")["version"] == "1.0.0"
    status = project.json("status")["environments"][0]
    assert status["current"]["version"] == "1.0.0" and status["serving"] is True
    wait_until(lambda: len(project.instance_apps()) == 1, 10, "the broken instance to be stopped")


def test_release_that_never_gets_healthy_is_never_switched_to(project: Project) -> None:
    project.spec("1.0.0")
    project.json("deploy")
    project.spec("2.0.0", app_env={"HELLO_FAIL_HEALTH": "1"}, deadline="2s")
    out = project.json("deploy", expect=1)
    steps = {s["name"]: s["status"] for s in out["error"]["details"]["steps"]}
    assert steps["wait_healthy"] == "failed" and "switch_route" not in steps
    assert project.get("/")["version"] == "1.0.0"


def test_release_that_crashes_on_start_fails_fast_with_its_last_log_line(project: Project) -> None:
    project.spec("1.0.0", app_env={"HELLO_EXIT_AT_START": "3"}, deadline="30s")
    proc = project.run("deploy", timeout=20)
    assert proc.returncode == 1, proc.stderr
    assert "health check failed" in proc.stderr
    assert project.json("status")["environments"][0]["current"] is None


def test_rollback_returns_to_the_last_verified_release_then_to_a_chosen_one(project: Project) -> None:
    project.spec("1.0.0")
    project.json("deploy")
    project.spec("2.0.0")
    project.json("deploy")
    assert project.get("/")["version"] == "2.0.0"
    out = project.json("rollback")
    assert out["kind"] == "rollback" and out["version"] == "1.0.0"
    assert project.get("/")["version"] == "1.0.0"
    assert project.json("rollback", "--to", "2.0.0")["version"] == "2.0.0"
    assert project.get("/")["version"] == "2.0.0"
    missing = project.json("rollback", "--to", "9.9.9", expect=2)
    assert missing["error"]["code"] == "not_found"


def test_deploying_the_running_release_again_is_a_no_op_unless_forced(project: Project) -> None:
    project.spec("1.0.0")
    first = project.json("deploy")
    again = project.json("deploy")
    assert again["noop"] is True
    forced = project.json("deploy", "--force")
    assert forced["deployment_id"] != first["deployment_id"] and forced["state"] == "succeeded"


def test_recreate_strategy_replaces_the_release(project: Project) -> None:
    project.spec("1.0.0", strategy="recreate")
    project.json("deploy")
    project.spec("2.0.0", strategy="recreate")
    out = project.json("deploy")
    # The http router parks new requests first, so the gap costs latency, not errors.
    assert [s["name"] for s in out["steps"]][:3] == ["preflight", "hold_route", "stop_old"]
    assert project.get("/")["version"] == "2.0.0"
    wait_until(lambda: len(project.instance_apps()) == 1, 10, "one instance left")


def test_failed_recreate_restarts_the_previous_release(project: Project) -> None:
    project.spec("1.0.0", strategy="recreate")
    project.json("deploy")
    project.spec("2.0.0", strategy="recreate", app_env={"HELLO_FAIL_HEALTH": "1"}, deadline="2s")
    project.json("deploy", expect=1)
    assert project.get("/")["version"] == "1.0.0"


def test_blue_green_deploys_drop_no_request(project: Project) -> None:
    project.spec("1.0.0")
    project.json("deploy")
    failures: list[str] = []
    served: list[str] = []
    stop = threading.Event()

    def hammer() -> None:
        while not stop.is_set() and len(served) < 20000:
            try:
                served.append(project.get("/", timeout=5)["version"])
            except (urllib.error.URLError, OSError, json.JSONDecodeError) as exc:
                failures.append(repr(exc))

    worker = threading.Thread(target=hammer)
    worker.start()
    try:
        for version in ("2.0.0", "3.0.0"):
            project.spec(version)
            project.json("deploy")
    finally:
        stop.set()
        worker.join(timeout=30)
    assert failures == []
    assert {"1.0.0", "3.0.0"} <= set(served)


def test_down_stops_the_service_and_keeps_its_history(project: Project) -> None:
    project.spec("1.0.0")
    project.json("deploy")
    out = project.json("down")
    assert out["stopped_version"] == "1.0.0"
    wait_until(lambda: not project.instance_apps(), 10, "instances to stop")
    status = project.json("status")["environments"][0]
    assert status["current"] is None and status["serving"] is False
    kinds = [d["kind"] for d in project.json("history")["deployments"]]
    assert kinds == ["down", "deploy"]
    assert project.json("down")["noop"] is True


def test_check_reports_an_unhealthy_current_release_with_exit_3(project: Project) -> None:
    project.spec("1.0.0")
    project.json("deploy")
    assert project.json("check")["healthy"] is True
    [instance] = project.current_instances()
    port = instance["port"]
    req = urllib.request.Request(f"http://127.0.0.1:{port}/control", data=b'{"fail_health": true}',
                                 headers={"Content-Type": "application/json"}, method="POST")
    urllib.request.urlopen(req, timeout=5).read()
    out = project.json("check", expect=3)
    assert out["error"]["code"] == "health_check_failed"


def test_logs_show_the_current_instance_output(project: Project) -> None:
    project.spec("1.0.0")
    project.json("deploy")
    project.get("/")
    out = project.json("logs", "-n", "50")
    text = "".join(out["instances"][0]["lines"])
    assert "listening on 127.0.0.1" in text and "version 1.0.0" in text


def test_events_are_hash_chained_and_mirrored_to_jsonl(project: Project) -> None:
    project.spec("1.0.0")
    project.json("deploy")
    out = project.json("events", "--verify", "--limit", "500")
    assert out["chain"]["ok"] is True and out["chain"]["mirror_ok"] is True
    types = [e["event_type"] for e in out["events"]]
    assert types[0] == "deployment.started" and types[-1] == "deployment.succeeded"
    lines = (project.home() / "events" / "deployment.jsonl").read_text().splitlines()
    last = json.loads(lines[-1])
    for key in ("timestamp", "event_type", "environment", "version", "status", "duration_seconds", "errors",
                "notes", "deployed_by", "services", "trace_id", "deployment_id"):
        assert key in last
    assert last["deployed_by"] == "test:e2e" and last["services"] == ["hello"]


def test_environments_are_deployed_locked_and_reported_separately(project: Project) -> None:
    staging_port = free_port()  # ephemeral: port+1 may belong to a test running in parallel
    extra = f"environments:\n  staging: {{port: {staging_port}}}\n  production: {{}}\n"
    project.spec("1.0.0", extra=extra)
    assert project.json("deploy")["environment"] == "staging"  # the first declared is the default
    project.json("deploy", "-e", "production")
    status = {e["environment"]: e for e in project.json("status")["environments"]}
    assert status["staging"]["current"]["port"] == staging_port
    assert status["production"]["current"]["port"] == project.port
    assert all(e["serving"] for e in status.values())
    bad = project.json("deploy", "-e", "prod", expect=2)
    assert "known: staging, production" in bad["error"]["hint"]
    project.json("down", "-e", "staging")
    status = {e["environment"]: e for e in project.json("status")["environments"]}
    assert status["staging"]["current"] is None and status["production"]["serving"] is True
