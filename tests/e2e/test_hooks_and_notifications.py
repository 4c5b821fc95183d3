"""Hooks and notifications around real deploys and rollbacks, told to a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from tests.e2e.cli_project import Project
from tests.notify_receiver import receiver
from tests.waiting import free_port

HOOK = """import json, os, sys
with open(os.environ["HOOKS_LOG"], "a") as log:   # outside the project: not part of its files
    log.write(json.dumps({"hook": sys.argv[1], **{k: v for k, v in os.environ.items()
                                                  if k.startswith("SHIPMATE_")}}) + "\\n")
sys.exit(int(sys.argv[2]) if len(sys.argv) > 2 else 0)
"""


def _hooks(root: Path, fail: str = "") -> str:
    (root / "hook.py").write_text(HOOK.replace('os.environ["HOOKS_LOG"]', repr(str(root.parent / "hooks.log"))))
    lines = ["hooks:"]
    for name in ("pre_deploy", "post_deploy", "pre_rollback", "post_rollback", "on_failure"):
        code = ', "4"' if name == fail else ""
        lines.append(f'  {name}: [{{run: ["{sys.executable}", "hook.py", "{name}"{code}], timeout: 20s}}]')
    return "\n".join(lines) + "\n"


def _ran(root: Path) -> list[dict[str, Any]]:
    path = root.parent / "hooks.log"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_deploy_and_rollback_run_their_hooks_and_tell_the_receiver(project: Project) -> None:
    with receiver() as rx:
        extra = _hooks(project.root) + f"notify: {{urls: [\"{rx.url}\"]}}\n"
        project.spec("1.0.0", extra=extra)
        first = project.json("deploy")
        assert rx.events() == ["deploy.started", "deploy.succeeded"]
        pre, post = _ran(project.root)
        assert (pre["hook"], pre["SHIPMATE_DEPLOYMENT_ID"], pre["SHIPMATE_RUNTIME_S"]) == ("pre_deploy", "", "0.000")
        assert (post["hook"], post["SHIPMATE_DEPLOYMENT_ID"]) == ("post_deploy", first["deployment_id"])
        assert post["SHIPMATE_VERSION"] == "1.0.0" and post["SHIPMATE_ENVIRONMENT"] == "default"
        assert post["SHIPMATE_PERFORMER"] == "test:e2e" and float(post["SHIPMATE_RUNTIME_S"]) > 0
        assert first["confidence"] == 0.3   # first deploy: 0.5 - 0.2

        project.spec("1.1.0", extra=extra)
        second = project.json("deploy")
        assert second["confidence"] == 0.55   # one previous success
        back = project.json("rollback")
        assert back["version"] == "1.0.0" and project.serves("1.0.0")
        assert rx.events()[-2:] == ["rollback.started", "rollback.succeeded"]
        assert [r["hook"] for r in _ran(project.root)][-2:] == ["pre_rollback", "post_rollback"]
        assert "succeeded" in rx.bodies[-1]["message"]

    scores = {d["deployment_id"]: d["confidence"] for d in project.json("history")["deployments"]}
    assert (scores[first["deployment_id"]], scores[second["deployment_id"]]) == (0.3, 0.55)
    assert scores[back["deployment_id"]] == 0.6   # two successes here, nothing changed against 1.1.0
    explained = project.json("explain", first["deployment_id"])
    assert explained["confidence"]["score"] == 0.3
    assert [f["name"] for f in explained["confidence"]["factors"]] == ["base", "first_deploy"]
    assert explained["calibration"] == {"predicted": 0.3, "actual": 1}
    assert (explained["state"], explained["verified"]) == ("succeeded", True)
    text = project.run("explain", second["deployment_id"]).stdout
    assert "confidence: 0.55" in text and "previous_successes" in text and "outcome: succeeded, verified" in text


def test_a_broken_deploy_runs_on_failure_and_announces_failed_and_rolled_back(project: Project) -> None:
    with receiver() as rx:
        extra = _hooks(project.root) + f"notify: {{urls: [\"{rx.url}\"]}}\n"
        project.spec("1.0.0", extra=extra)
        project.json("deploy")
        project.spec("2.0.0", extra=extra, app_env={"HELLO_FAIL_HEALTH": "1"}, deadline="2s")
        out = project.json("deploy", expect=1)
        assert out["error"]["details"]["state"] == "rolled_back"
        assert rx.events()[-3:] == ["deploy.started", "deploy.failed", "deploy.rolled_back"]
        assert "never healthy" in rx.bodies[-1]["message"] or "error:" in rx.bodies[-1]["message"]
    hooks = [r["hook"] for r in _ran(project.root)]
    assert hooks == ["pre_deploy", "post_deploy", "pre_deploy", "on_failure"]
    failed = project.json("explain", out["error"]["details"]["deployment_id"])
    assert failed["calibration"]["actual"] == 0 and failed["state"] == "rolled_back"
    assert project.serves("1.0.0")


def test_an_unreachable_receiver_is_a_warning_and_the_deploy_still_succeeds(project: Project) -> None:
    project.spec("1.0.0", extra=f"notify: {{urls: [\"json://127.0.0.1:{free_port()}/hook\"]}}\n")
    out = project.json("deploy")
    assert out["state"] == "succeeded" and project.serves("1.0.0")
    assert [w for w in out["warnings"] if "deploy.started" in w] and [w for w in out["warnings"]
                                                                      if "deploy.succeeded" in w]
    events = project.json("events")["events"]
    assert [e["data"]["event"] for e in events if e["event_type"] == "notify.failed"] == [
        "deploy.started", "deploy.succeeded"]


def test_a_failing_pre_deploy_hook_refuses_before_anything_changes(project: Project) -> None:
    project.spec("1.0.0", extra=_hooks(project.root, fail="pre_deploy"))
    out = project.json("deploy", expect=7)
    error = out["error"]
    assert error["code"] == "hook_failed" and "nothing was changed" in error["message"]
    assert error["details"]["hook"]["exit_code"] == 4 and error["details"]["hook"]["hook"] == "pre_deploy"
    assert not project.home().exists() and not project.serves("1.0.0")
    assert [r["hook"] for r in _ran(project.root)] == ["pre_deploy"]


def test_a_failing_post_deploy_hook_is_a_warning(project: Project) -> None:
    project.spec("1.0.0", extra=_hooks(project.root, fail="post_deploy"))
    out = project.json("deploy")
    assert out["state"] == "succeeded"
    assert any(w.startswith("post_deploy hook") and "exit 4" in w for w in out["warnings"])


def test_a_dry_run_lists_the_hooks_events_and_score_it_would_have_and_runs_none(project: Project) -> None:
    project.spec("1.0.0", extra=_hooks(project.root) + "notify: {urls: [\"json://127.0.0.1:9/x\"]}\n")
    out = project.json("deploy", "--dry-run")
    assert out["hooks"]["pre_deploy"] == [[sys.executable, "hook.py", "pre_deploy"]]
    assert set(out["hooks"]) == {"pre_deploy", "post_deploy", "on_failure"}
    assert out["notify"] == {"urls": 1, "events": ["deploy.started", "deploy.succeeded", "deploy.failed",
                                                   "deploy.rolled_back"]}
    assert out["confidence"]["score"] == 0.3
    assert _ran(project.root) == [] and not project.home().exists()
