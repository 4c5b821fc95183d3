"""The seeds' production path as one command, through the real CLI: staging first, then `promote`, which waits
for a person's approval (told out of band through a real notification receiver), backs up, deploys the exact
artifact that passed staging and links the staging evidence. Refusals change nothing in production."""

from __future__ import annotations

import json
import sqlite3
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from shipmate.ops.common.approval_codes import code_for
from shipmate.ops.common.identity import os_user
from shipmate.store.store import Store
from tests.e2e.cli_project import Project
from tests.notify_receiver import Receiver, receiver
from tests.waiting import free_port, wait_until


@pytest.fixture
def people() -> Iterator[Receiver]:
    with receiver() as got:
        yield got


def _spec(project: Project, version: str, production: int, people: Receiver, *, broken: bool = False,
          expires: str = "1h") -> None:
    (project.root / "data").mkdir(exist_ok=True)
    with sqlite3.connect(project.root / "data" / "app.db") as db:
        db.execute("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT)")
        db.execute("INSERT INTO notes (body) VALUES (?)", (f"written before {version}",))
    db.close()
    project.spec(version, app_env={"HELLO_FAIL_HEALTH": "1"} if broken else None,
                 deadline="3s" if broken else "15s", extra=f"""backup:
  paths: [{{sqlite: data/app.db}}]
notify:
  urls: ["{people.url}"]
environments:
  staging: {{}}
  production:
    port: {production}
    protected: true
    approval: {{mode: required, expires: {expires}}}
    policy: {{require_passed_in: staging}}
""")


def _pending(project: Project) -> list[dict[str, Any]]:
    return [row for row in project.json("approvals")["approvals"] if row["state"] == "pending"]


def _production(project: Project) -> tuple[str | None, dict[str, Any] | None]:
    store = Store.open_readonly(project.home())
    if store is None:
        return None, None   # no state folder at all: nothing was ever deployed
    try:
        current = store.current("hello", "production")
        release = store.get_release(current.release_id) if current is not None else None
        return (release.version, release.spec) if release is not None else (None, None)
    finally:
        store.close()


def _served(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as resp:
        return str(json.loads(resp.read())["version"])


def test_staging_then_promote_waits_for_a_person_backs_up_and_deploys_the_same_artifact(
        project: Project, people: Receiver) -> None:
    production = free_port()
    _spec(project, "1.0", production, people)
    agent = {"SHIPMATE_ACTOR": "agent:ci"}
    refused = project.json("deploy", "-e", "production", expect=6, env=agent)   # require_passed_in: staging
    assert refused["error"]["code"] == "policy_refused" and _production(project) == (None, None)
    staged = project.json("deploy", "-e", "staging", env=agent)
    assert staged["verified"] is True

    promotion = project.spawn("promote", "--from", "staging", "--to", "production", "--json", env=agent)
    wait_until(lambda: bool(_pending(project)) or promotion.poll() is not None, 60, "a pending approval")
    assert promotion.poll() is None, promotion.communicate()
    [asked] = _pending(project)
    assert (asked["action"], asked["environment"], asked["requested_by"]) == ("promote", "production", "agent:ci")
    wait_until(lambda: "approval.requested" in people.events(), 30, "the approval notification")
    [told] = [b for b in people.bodies if "approval.requested" in str(b.get("title"))]
    # the people notify names get the approval's own code; `shipmate approvals` showed this person their own
    assert asked["id"] in told["message"] and code_for(project.home(), asked["id"]) in told["message"]
    assert asked["code"] == code_for(project.home(), asked["id"], f"user:{os_user()}")
    assert _production(project) == (None, None)                            # nothing moved while it waits

    decided = project.json("approve", asked["id"], "--comment", "staging looked good")
    assert decided["approval"]["decided_by"].startswith("user:")
    out, err = project.finish(promotion, 180)
    assert promotion.returncode == 0, f"{out}\n{err}"
    result = json.loads(out)
    assert result["state"] == "succeeded" and result["approval"]["approval_id"] == asked["id"]
    assert result["origin"]["promoted_from"]["deployment_id"] == staged["deployment_id"]
    assert result["backup"]["backup_id"] in {b["backup_id"] for b in project.json("backup", "list", "-e",
                                                                                  "production")["backups"]}
    version, spec = _production(project)
    assert version == "1.0" and spec is not None and spec["artifact"]["sha256"] == result["artifact"]
    assert {"approval.requested", "approval.decided", "deploy.started", "deploy.succeeded"} <= set(people.events())
    audit = [project.json("events", "-e", env, "--limit", "1000") for env in ("staging", "production")]
    assert asked["code"] not in json.dumps(audit)                          # the code is never in the audit log

    _spec(project, "2.0", production, people, broken=True)                 # fails staging: never promotable
    assert project.run("deploy", "-e", "staging", "--json", env=agent).returncode == 1
    no = project.json("promote", "--from", "staging", "--to", "production", expect=6, env=agent)
    assert no["error"]["code"] == "policy_refused" and "superseded: 2.0" in no["error"]["message"]
    failed = project.json("promote", "--from", "staging", "--to", "production", "--version", "2.0", expect=6,
                          env=agent)
    assert failed["error"]["code"] == "policy_refused" and "failed" in failed["error"]["message"]
    assert _production(project)[0] == "1.0" and _served(production) == "1.0"


def test_an_expired_approval_cannot_let_a_promotion_through(project: Project, people: Receiver) -> None:
    production = free_port()
    _spec(project, "1.0", production, people, expires="2s")
    agent = {"SHIPMATE_ACTOR": "agent:ci"}
    assert project.json("deploy", "-e", "staging", env=agent)["verified"] is True
    first = project.json("promote", "--from", "staging", "--to", "production", "--no-wait", expect=6, env=agent)
    approval_id = first["error"]["details"]["approval_id"]
    assert "code" not in first["error"]["details"]                          # never returned to the requester
    wait_until(lambda: approval_id not in {row["id"] for row in _pending(project)}, 30, "the approval to expire")
    late = project.json("approve", approval_id, expect=6)
    assert "expired" in late["error"]["message"]
    assert _production(project) == (None, None)
