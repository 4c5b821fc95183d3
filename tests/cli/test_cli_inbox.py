"""The inbox through the real CLI: a task file deploys examples/hello for real, once per trace id, with its
verification run against the public port; bad tasks land in rejected/ with every problem; a protected
environment makes the task wait for a person; concurrent processors act once."""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path
from typing import Any

from tests.e2e.cli_project import Project
from tests.waiting import free_port, wait_until

ENVS = "environments:\n  staging: {}\n  production: {protected: true}\n"


def _task(trace: str = "T-1", **over: Any) -> dict[str, Any]:
    task: dict[str, Any] = {"trace_id": trace, "category": "deployment", "environment": "staging",
                            "version": "1.0.0", "urgency": "high", "scope": {"services": ["hello"]},
                            "verification": [{"healthy_within": {"seconds": 30}},
                                             {"probe_p95": {"below_ms": 5000, "samples": 10}}],
                            "requested_by": "agent-ci"}
    task.update(over)
    return task


def _drop(project: Project, name: str, task: dict[str, Any] | bytes) -> Path:
    """As a writer should: write elsewhere, rename into incoming/."""
    incoming = project.root / "inbox" / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    tmp = project.root / f".{name}.tmp"
    tmp.write_bytes(task if isinstance(task, bytes) else json.dumps(task).encode())
    tmp.rename(incoming / name)
    return incoming / name


def _deployments_of(project: Project, trace: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = project.json("history", "--limit", "100")["deployments"]
    return [row for row in rows if row["trace_id"] == trace]


def test_a_task_deploys_for_real_and_leaves_a_summary_a_result_and_its_trace_id(project: Project) -> None:
    project.spec("1.0.0", extra=ENVS)
    _drop(project, "deploy-1.json", _task(approved_by="agent-ci"))
    (project.root / "inbox" / "incoming" / ".half-written.json").write_text("{")   # a writer's temp: not read
    done = project.json("inbox", "process")
    [task] = done["tasks"]
    assert task["status"] == "completed" and task["file"] == "completed/deploy-1.json", done
    assert project.serves("1.0.0")
    completed = project.root / "inbox" / "completed"
    result = json.loads((completed / "deploy-1.result.json").read_text())
    assert result["deployment_id"] == task["deployment_id"] and result["ignored_fields"] == ["approved_by"]
    assert [c["check"] for c in result["verification"]] == ["healthy_within", "probe_p95"]
    assert all(c["passed"] for c in result["verification"]) and result["verification"][1]["samples"] == 10
    summary = (completed / "deploy-1.SUMMARY.md").read_text()
    assert "**Status**: COMPLETED" in summary and task["deployment_id"] in summary and "**Duration**" in summary
    [dep] = _deployments_of(project, "T-1")
    assert dep["deployment_id"] == task["deployment_id"] and dep["actor"] == "inbox:agent-ci"
    events = project.json("events", "--limit", "500")["events"]
    assert {e["event_type"] for e in events if e["trace_id"] == "T-1"} >= {"inbox.claimed", "inbox.completed",
                                                                          "deployment.succeeded"}
    assert (project.root / "inbox" / "incoming" / ".half-written.json").exists()
    status = project.json("inbox", "status")
    assert status["folders"]["completed"] == 1 and status["recent"][0]["trace_id"] == "T-1"


def test_the_same_task_dropped_three_times_deploys_once_and_a_changed_payload_is_rejected(project: Project) -> None:
    project.spec("1.0.0", extra=ENVS)
    _drop(project, "a.json", _task("T-2"))
    first = project.json("inbox", "process")["tasks"]
    _drop(project, "b.json", _task("T-2"))
    _drop(project, "a.json", _task("T-2"))   # the very same name again, after the first finished
    _drop(project, "c.json", _task("T-2", version="2.0.0"))
    again = project.json("inbox", "process")["tasks"]
    assert [t["status"] for t in first] == ["completed"]
    assert sorted(t["status"] for t in again) == ["duplicate", "duplicate", "rejected"], again
    assert len(_deployments_of(project, "T-2")) == 1
    error = json.loads((project.root / "inbox" / "rejected" / "c.error.json").read_text())
    assert [p["pointer"] for p in error["problems"]] == ["/trace_id"]
    assert sorted(p.name for p in (project.root / "inbox" / "completed").glob("*.json")
                  if p.name.count(".") == 1) == ["a-2.json", "a.json", "b.json"]


def test_two_processors_at_once_on_two_copies_act_exactly_once(project: Project) -> None:
    project.spec("1.0.0", extra=ENVS)
    for name in ("x.json", "y.json", "z.json"):
        _drop(project, name, _task("T-3"))
    procs = [project.spawn("inbox", "process", "--json") for _ in range(2)]
    outs = [json.loads(project.finish(proc, 180)[0]) for proc in procs]
    assert all(proc.returncode == 0 for proc in procs)
    statuses = sorted(t["status"] for out in outs for t in out["tasks"])
    assert statuses == ["completed", "duplicate", "duplicate"], outs
    assert len(_deployments_of(project, "T-3")) == 1


def test_a_bad_task_is_rejected_with_every_problem_and_the_running_release_is_untouched(project: Project) -> None:
    project.spec("1.0.0", extra=ENVS)
    project.json("deploy", "-e", "staging")
    bad = _task("T 4", environment="prod", scope={"services": ["billing"]}, colour="blue",
                verification=[{"probe_p95": {"below_ms": -1}}])
    _drop(project, "bad.json", bad)
    _drop(project, "nan.json", b'{"trace_id": "T-5", "trace_id": "T-6", "x": NaN}')
    out = project.json("inbox", "process")
    assert sorted(t["status"] for t in out["tasks"]) == ["rejected", "rejected"]
    rejected = project.root / "inbox" / "rejected"
    problems = {p["pointer"] for p in json.loads((rejected / "bad.error.json").read_text())["problems"]}
    assert problems == {"/trace_id", "/environment", "/scope/services/0", "/colour",
                        "/verification/0/probe_p95/below_ms"}
    nan = {p["pointer"]: p["message"] for p in json.loads((rejected / "nan.error.json").read_text())["problems"]}
    assert nan["/trace_id"] == "duplicate key 'trace_id'" and "NaN" in nan["/x"]
    assert (rejected / "bad.json").exists() and project.serves("1.0.0")
    assert len(project.json("history")["deployments"]) == 1
    audited = [e for e in project.json("events", "--limit", "500")["events"] if e["event_type"] == "inbox.rejected"]
    assert sorted(e["notes"] for e in audited) == ["rejected/bad.json", "rejected/nan.json"]


def test_a_protected_environment_makes_the_task_wait_for_a_person(project: Project) -> None:
    project.spec("1.0.0", extra=ENVS)
    _drop(project, "prod.json", _task("T-7", environment="production", approved=True, approval_code="123456"))
    [waiting] = project.json("inbox", "process")["tasks"]
    assert waiting["status"] == "waiting" and waiting["approval_id"], waiting
    assert (project.root / "inbox" / "active" / "prod.json").exists() and not project.serves("1.0.0")
    [again] = project.json("inbox", "process")["tasks"]      # still pending: the same request, not a second
    assert again["approval_id"] == waiting["approval_id"]
    approvals = project.json("approvals")["approvals"]
    assert [a["requested_by"] for a in approvals] == ["inbox:agent-ci"]
    project.json("approve", waiting["approval_id"])          # a person on the host
    [done] = project.json("inbox", "process")["tasks"]
    assert done["status"] == "completed" and project.serves("1.0.0"), done
    assert len(_deployments_of(project, "T-7")) == 1


def test_a_failed_verification_rolls_back_to_the_previous_release(project: Project) -> None:
    project.spec("1.0.0", extra=ENVS)
    project.json("deploy", "-e", "staging")
    project.spec("2.0.0", extra=ENVS)
    _drop(project, "v2.json", _task("T-8", version="2.0.0",
                                    verification=[{"probe_p95": {"below_ms": 0.001, "samples": 5}}]))
    [task] = project.json("inbox", "process")["tasks"]
    assert task["status"] == "failed" and "probe_p95" in task["message"], task
    result = json.loads((project.root / "inbox" / "failed" / "v2.result.json").read_text())
    assert result["rollback_deployment_id"] and not result["verification"][0]["passed"]
    assert project.serves("1.0.0")
    kinds = [d["kind"] for d in _deployments_of(project, "T-8")]
    assert sorted(kinds) == ["deploy", "rollback"]


def test_a_killed_processor_leaves_a_task_the_next_pass_finishes_once(project: Project) -> None:
    project.spec("1.0.0", extra=ENVS, monitor="6s")   # killed inside the monitor window, mid-task
    _drop(project, "k.json", _task("T-9", verification=[{"healthy_within": {"seconds": 60}}]))
    proc = project.spawn("inbox", "process", "--json")
    active = project.root / "inbox" / "active" / "k.json"
    wait_until(lambda: project.serves("1.0.0") or proc.poll() is not None, 120, "the task's deploy to serve")
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert active.exists(), "killed before it finished: the task stays claimed by a dead owner"
    status = project.json("inbox", "status")
    assert status["active"][0]["state"] == "claimed" and status["active"][0]["owner_alive"] is False, status
    [task] = project.json("inbox", "process")["tasks"]   # the next pass takes the dead owner's claim over
    assert task["status"] == "completed", task
    assert (project.root / "inbox" / "completed" / "k.json").exists()
    assert project.json("inbox", "process")["tasks"] == []
    assert project.serves("1.0.0")
    deps = _deployments_of(project, "T-9")
    assert [d["state"] for d in deps if d["state"] == "succeeded"] == ["succeeded"], deps


def test_tasks_in_the_inbox_never_make_the_release_differ_for_require_passed_in(project: Project) -> None:
    project.spec("1.0.0", extra=f"environments:\n  staging: {{}}\n  production:\n    port: {free_port()}\n"
                                "    policy: {require_passed_in: staging}\n")
    _drop(project, "s.json", _task("T-10", verification=[]))
    assert [t["status"] for t in project.json("inbox", "process")["tasks"]] == ["completed"]
    _drop(project, "bad.json", b"not json")
    _drop(project, "later.json", _task("T-11"))   # waiting in incoming/ while production is deployed
    project.json("inbox", "process", "--limit", "1")
    done = project.json("deploy", "-e", "production")   # the same files passed staging: not refused
    assert done["state"] == "succeeded"
    assert (project.root / "inbox" / "incoming" / "later.json").exists()


def test_inbox_watch_acts_on_a_task_dropped_while_it_runs_and_stops_on_ctrl_c(project: Project) -> None:
    project.spec("1.0.0", extra=ENVS)
    watcher = project.spawn("inbox", "watch", "--interval", "0.2")
    lines: list[str] = []
    assert watcher.stdout is not None
    reader = threading.Thread(target=lambda: lines.extend(watcher.stdout or []), daemon=True)
    reader.start()
    _drop(project, "plan.json", _task("T-12", category="dry-run"))
    wait_until(lambda: any("completed/plan.json" in line for line in list(lines)) or watcher.poll() is not None,
               60, "the watcher to report the finished task")
    assert watcher.poll() is None, watcher.communicate()
    watcher.send_signal(signal.SIGINT)
    assert watcher.wait(timeout=30) == 130
    reader.join(timeout=10)
    assert any(line.startswith("completed") for line in lines), lines
    done = json.loads((project.root / "inbox" / "completed" / "plan.result.json").read_text())
    assert done["dry_run"] is True and done["plan"] and not project.serves("1.0.0")
    assert _deployments_of(project, "T-12") == []     # a dry run changes nothing


def test_deploy_trace_id_is_recorded_and_a_bad_one_is_refused_before_anything_runs(project: Project) -> None:
    project.spec("1.0.0", extra=ENVS)
    refused = project.json("deploy", "--trace-id", "no spaces please", expect=2)
    assert refused["error"]["code"] == "invalid_input" and "--trace-id" in refused["error"]["message"]
    assert not (project.root / ".shipmate" / "state.db").exists()
    done = project.json("deploy", "--trace-id", "CI-RUN-77")
    assert done["trace_id"] == "CI-RUN-77"
    assert [d["deployment_id"] for d in _deployments_of(project, "CI-RUN-77")] == [done["deployment_id"]]
    events = project.json("events", "--deployment", done["deployment_id"])["events"]
    assert events and {e["trace_id"] for e in events} == {"CI-RUN-77"}


def test_schema_inbox_prints_the_task_schema(project: Project) -> None:
    proc = project.run("schema", "inbox")
    schema = json.loads(proc.stdout)
    assert proc.returncode == 0 and schema["title"] == "shipmate inbox task"
    assert {"trace_id", "scope", "verification", "rollback_conditions", "requested_by"} <= set(schema["properties"])
    assert project.json("schema", "nonsense", expect=2)["error"]["message"] == "unknown schema 'nonsense'"
