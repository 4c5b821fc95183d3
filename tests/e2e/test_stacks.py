"""Stacks end to end: a real sample app (api) and a real `python -m http.server` (web) released together.

All or nothing is proven by HTTP on the public ports: when web fails, api serves its previous release again.
A shipmate killed mid-stack (SIGKILL) is settled by `recover` or by the next command, and what they say is true.
"""

from __future__ import annotations

import json
import signal

import pytest

from tests.e2e.stack_project import StackProject, stack
from tests.waiting import wait_until

__all__ = ["stack"]   # the fixture


def test_a_stack_deploys_in_dependency_order_and_status_and_history_show_each_member(stack: StackProject) -> None:
    stack.write({"api": "1.0.0", "web": "1.0.0"})
    plan = stack.json("deploy", "--dry-run")
    assert plan["order"] == ["api", "web"] and plan["members"][1]["depends_on"] == ["api"]
    assert plan["members"][0]["plan"]["plan"]["strategy"] == "blue-green"
    assert stack.serving() == {"api": None, "web": None}   # a dry run starts nothing
    done = stack.json("deploy")
    assert (done["stack"], done["state"], done["order"]) == ("shop", "succeeded", ["api", "web"])
    assert [m["state"] for m in done["members"]] == ["done", "done"]
    assert stack.serving() == {"api": "1.0.0", "web": "1.0.0"}
    status = stack.json("status")
    assert [m["status"]["environments"][0]["current"]["version"] for m in status["members"]] == ["1.0.0", "1.0.0"]
    assert status["last_run"]["stack_run_id"] == done["stack_run_id"]
    again = stack.json("deploy")
    assert again.get("noop") is True and [m["state"] for m in again["members"]] == ["unchanged", "unchanged"]


def test_when_the_last_member_fails_the_earlier_ones_are_put_back_and_serve_their_previous_release(
        stack: StackProject) -> None:
    stack.write({"api": "1.0.0", "web": "1.0.0"})
    stack.json("deploy")
    stack.write({"api": "2.0.0", "web": "2.0.0"}, web_health="/missing", web_deadline="2s")
    failed = stack.json("deploy", expect=1)
    assert failed["error"]["code"] == "deployment_failed" and "web failed" in failed["error"]["message"]
    run = failed["error"]["details"]["stack_run"]
    assert run["state"] == "rolled_back"
    assert {m["name"]: m["state"] for m in run["members"]} == {"api": "undone", "web": "failed"}
    assert stack.serving() == {"api": "1.0.0", "web": "1.0.0"}   # proven on the public ports
    history = stack.json("history")
    assert [r["state"] for r in history["runs"]] == ["rolled_back", "succeeded"]
    status = stack.json("status")
    assert [m["status"]["environments"][0]["current"]["version"] for m in status["members"]] == ["1.0.0", "1.0.0"]


def test_rollback_puts_every_member_back_and_down_stops_them_dependants_first(stack: StackProject) -> None:
    stack.write({"api": "1.0.0", "web": "1.0.0"})
    stack.json("deploy")
    stack.write({"api": "2.0.0", "web": "2.0.0"})
    stack.json("deploy")
    assert stack.serving() == {"api": "2.0.0", "web": "2.0.0"}
    plan = stack.json("rollback", "--dry-run")
    assert plan["order"] == ["web", "api"] and [m["plan"]["to"] for m in plan["members"]] == ["1.0.0", "1.0.0"]
    back = stack.json("rollback")
    assert back["kind"] == "rollback" and back["state"] == "succeeded"
    assert stack.serving() == {"api": "1.0.0", "web": "1.0.0"}
    assert stack.json("rollback", "--to", "1.0.0", expect=2)["error"]["message"].startswith("to-version")
    down = stack.json("down")
    assert down["order"] == ["web", "api"] and [m["state"] for m in down["members"]] == ["done", "done"]
    assert stack.serving() == {"api": None, "web": None}


@pytest.mark.parametrize("settle", ["recover", "status"])
def test_a_shipmate_killed_between_members_is_undone_by_the_next_command(stack: StackProject, settle: str) -> None:
    stack.write({"api": "1.0.0", "web": "1.0.0"})
    stack.json("deploy")
    stack.write({"api": "2.0.0", "web": "2.0.0"})
    killed = stack.project.run("deploy", "-f", "shipmate.stack.yaml", env={"SHIPMATE_CRASHPOINT": "stack:1:done"})
    assert killed.returncode == -signal.SIGKILL
    assert stack.serving() == {"api": "2.0.0", "web": "1.0.0"}   # half done: the kill came between the members
    said = stack.json(settle)
    if settle == "recover":
        assert [r["outcome"] for r in said["recovered"] if "stack_run_id" in r] == ["rolled_back"]
    else:
        assert said["recovered"] is True and said["last_run"]["state"] == "rolled_back"
        assert [m["status"]["environments"][0]["current"]["version"] for m in said["members"]] == ["1.0.0"] * 2
    assert stack.serving() == {"api": "1.0.0", "web": "1.0.0"}
    assert stack.json("history")["runs"][0]["error"].startswith("interrupted")


def test_a_shipmate_killed_inside_a_member_deploy_is_settled_too(stack: StackProject) -> None:
    stack.write({"api": "1.0.0", "web": "1.0.0"})
    stack.json("deploy")
    stack.write({"api": "2.0.0", "web": "2.0.0"})
    # step 4 of the first member (api) is its switch: killed right after api 2.0.0 got the traffic
    killed = stack.project.run("deploy", "-f", "shipmate.stack.yaml", env={"SHIPMATE_CRASHPOINT": "step:4:done"})
    assert killed.returncode == -signal.SIGKILL
    stack.json("recover")
    assert stack.serving() == {"api": "1.0.0", "web": "1.0.0"}
    assert stack.json("history")["runs"][0]["state"] == "rolled_back"


@pytest.mark.parametrize(("stack_text", "path"), [
    ("stack: shop\nservices:\n  web: {spec: web/shipmate.yaml, depends_on: [api]}\n"
     "  api: {spec: api/shipmate.yaml, depends_on: [web]}\n", "services.web.depends_on"),
    ("stack: shop\nservices:\n  web: {spec: web/shipmate.yaml, depends_on: [db]}\n"
     "  api: {spec: api/shipmate.yaml}\n", "services.web.depends_on[0]"),
    ("stack: shop\nservices:\n  web: {spec: api/shipmate.yaml}\n  api: {spec: api/shipmate.yaml}\n",
     "services.api.spec"),
])
def test_bad_stack_input_is_exit_2_with_the_key_path_and_nothing_written(stack: StackProject, stack_text: str,
                                                                        path: str) -> None:
    stack.write({"api": "1.0.0", "web": "1.0.0"}, stack=stack_text)
    for command in ("deploy", "status", "rollback", "down"):
        out = stack.json(command, expect=2)
        assert out["error"]["path"] == path, out
        assert out["error"].get("hint")
    assert not any((stack.project.root / d / ".shipmate").exists() for d in (".", "api", "web"))
    assert stack.serving() == {"api": None, "web": None}


def test_sigterm_in_the_middle_of_a_stack_deploy_puts_every_member_back(stack: StackProject) -> None:
    stack.write({"api": "1.0.0", "web": "1.0.0"})
    stack.json("deploy")
    stack.write({"api": "2.0.0", "web": "2.0.0"})
    proc = stack.project.spawn("deploy", "-f", "shipmate.stack.yaml", "--json")
    wait_until(lambda: stack.api_version() == "2.0.0" or proc.poll() is not None, 120, "api to serve 2.0.0")
    proc.send_signal(signal.SIGTERM)   # api is done or in its window; web is next or starting
    out, err = stack.project.finish(proc, 180)
    assert proc.returncode == 1, (out, err)
    assert json.loads(out)["error"]["details"]["stack_run"]["state"] == "rolled_back"
    assert stack.serving() == {"api": "1.0.0", "web": "1.0.0"}
