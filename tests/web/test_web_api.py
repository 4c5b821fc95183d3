"""serve's JSON API against a real `shipmate serve` and real deployments: parity with the CLI, 202 + a live
stream that resumes, cancel = Ctrl-C, paged lists with the actor on every row, approvals by a person's token."""

from __future__ import annotations

import http.client
import json
from typing import Any

from tests.e2e.cli_project import Project
from tests.e2e.serve_support import Serve
from tests.waiting import wait_until
from tests.web.client import Api, Reply
from tests.web.conftest import make_token


def _sse(port: int, path: str, token: str, last_event_id: str | None = None, timeout: float = 120
         ) -> list[dict[str, Any]]:
    """Every message of an SSE stream until the server ends it: [{"id", "event", "data"}]."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Authorization": f"Bearer {token}", "Host": f"127.0.0.1:{port}", "Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    conn.request("GET", path, headers=headers)
    resp = conn.getresponse()
    assert resp.status == 200 and resp.getheader("content-type", "").startswith("text/event-stream")
    messages, current = [], {}
    for raw in resp:
        line = raw.decode().rstrip("\n")
        if not line:
            if current:
                messages.append(current)
            current = {}
        elif not line.startswith(":"):
            key, _, value = line.partition(": ")
            current[key] = json.loads(value) if key == "data" else value
    conn.close()
    return messages


def _accepted(reply: Reply) -> dict[str, Any]:
    assert reply.status == 202, reply.body
    body: dict[str, Any] = reply.json()
    assert body["deployment_id"].startswith("dep_") and body["stream"].endswith("/stream")
    return body


def test_reads_match_the_cli_and_every_list_row_names_its_actor(served: tuple[Project, Serve], api: Api) -> None:
    project, _ = served
    api.token = make_token(project, "reader", "read")
    status = api.get("/api/v1/services/hello/status").json()
    cli = project.json("status")
    assert status["service"] == cli["service"] == "hello"
    assert status["environments"][0]["current"] == cli["environments"][0]["current"]
    assert api.get("/api/v1/services/hello/history").json()["deployments"] == project.json("history")["deployments"]
    [row] = api.get("/api/v1/overview").json()["services"]
    assert row["service"] == "hello" and row["version"] == "1.0.0" and row["health"] == "healthy"
    assert row["instances_alive"] == row["instances_wanted"] == 1 and row["supervised"] is True
    assert row["last_deployment"]["actor"] == "test:e2e" and row["artifact_hash"].startswith("sha256:")
    for path in ("/api/v1/deployments", "/api/v1/events"):
        page = api.get(path).json()
        rows = page.get("deployments") or page.get("events")
        assert rows and all(r["actor"] for r in rows)
    for path in ("check", "logs", "approvals", "secrets", "locks", "events"):
        assert api.get(f"/api/v1/services/hello/{path}").status == 200, path
    assert api.get("/api/v1/services/hello/backups").status in (200, 400)   # no backup section: a clear 400
    assert api.post("/api/v1/services/hello/deploy", {}).status == 403       # read sees, never acts


def test_a_deploy_answers_202_streams_its_events_resumably_and_names_the_token_holder(
        served: tuple[Project, Serve], api: Api) -> None:
    project, _ = served
    api.token = make_token(project, "alice", "deploy")
    project.spec("2.0.0")
    started = _accepted(api.post("/api/v1/services/hello/deploy", {"note": "via the API"}))
    messages = _sse(api.port, started["stream"], api.token)
    assert messages[-1]["event"] == "end" and messages[-1]["data"]["state"] == "succeeded"
    seqs = [int(m["id"]) for m in messages[:-1]]
    assert seqs == sorted(seqs) and len(seqs) >= 5
    assert {m["event"] for m in messages} >= {"deployment.started", "deployment.succeeded"}
    # A dropped connection resumes after the last id it saw: exactly the rest, nothing twice.
    middle = str(seqs[len(seqs) // 2])
    rest = _sse(api.port, started["stream"], api.token, last_event_id=middle)
    assert [int(m["id"]) for m in rest[:-1]] == [s for s in seqs if s > int(middle)]
    assert project.serves("2.0.0")
    [latest] = api.get("/api/v1/deployments?limit=1").json()["deployments"]
    assert latest["deployment_id"] == started["deployment_id"] and latest["actor"] == "token:alice"
    calls = [e for e in project.json("events", "--limit", "200")["events"] if e["event_type"] == "http.call"]
    assert calls and calls[-1]["deployed_by"] == "token:alice" and calls[-1]["data"]["action"] == "deploy"
    explained = api.get(f"/api/v1/deployments/{started['deployment_id']}").json()
    assert explained["deployment_id"] == started["deployment_id"]


def test_cancel_is_ctrl_c_before_promote_the_deployment_rolls_back(served: tuple[Project, Serve], api: Api) -> None:
    project, _ = served
    api.token = make_token(project, "bob", "deploy")
    project.spec("2.0.0", monitor="60s")
    started = _accepted(api.post("/api/v1/services/hello/deploy", {}))
    wait_until(lambda: project.serves("2.0.0"), 60, "2.0.0 to take traffic (the monitor window runs)")
    cancel = api.post(f"{started['deployment_id'].join(['/api/v1/deployments/', '/cancel'])}")
    assert cancel.status == 202 and cancel.json() == {"deployment_id": started["deployment_id"], "cancelling": True}
    end = _sse(api.port, started["stream"], api.token)[-1]
    assert end["event"] == "end" and end["data"]["state"] == "rolled_back"
    assert project.serves("1.0.0")
    assert project.json("status")["environments"][0]["current"]["version"] == "1.0.0"
    again = api.post(f"/api/v1/deployments/{started['deployment_id']}/cancel")
    assert again.status == 400 and "not running" in again.json()["message"]


def test_lists_page_with_a_signed_cursor_and_a_tampered_one_is_400(served: tuple[Project, Serve], api: Api) -> None:
    project, _ = served
    project.spec("2.0.0")
    project.json("deploy")
    api.token = make_token(project, "carol", "read")
    first = api.get("/api/v1/deployments?limit=1").json()
    second = api.get(f"/api/v1/deployments?limit=1&cursor={first['next_cursor']}").json()
    assert first["deployments"][0]["deployment_id"] != second["deployments"][0]["deployment_id"]
    assert second["next_cursor"] is None and second["more"] is False
    cursor = first["next_cursor"]
    tampered = api.get(f"/api/v1/deployments?limit=1&cursor={cursor[:-1]}{'0' if cursor[-1] != '0' else '1'}")
    assert tampered.status == 400 and tampered.json()["code"] == "invalid_input"
    other = api.get(f"/api/v1/deployments?limit=1&state=failed&cursor={cursor}")
    assert other.status == 400 and "other filters" in other.json()["message"]
    assert api.get("/api/v1/deployments?limit=201").status == 422
    only = api.get("/api/v1/deployments?state=succeeded&actor=test:e2e").json()["deployments"]
    assert len(only) == 2 and all(d["state"] == "succeeded" and d["actor"] == "test:e2e" for d in only)
    events = api.get("/api/v1/events?limit=5").json()
    older = api.get(f"/api/v1/events?limit=5&cursor={events['next_cursor']}").json()
    assert events["events"][-1]["event"]["seq"] > older["events"][0]["event"]["seq"]


def test_bad_input_gets_one_error_shape_and_never_a_500(served: tuple[Project, Serve], api: Api) -> None:
    project, _ = served
    api.token = make_token(project, "dave", "admin")
    keys = {"code", "message", "hint", "exit_code", "details"}
    cases = [
        (api.post("/api/v1/services/hello/deploy", b"{not json", headers={"Content-Type": "application/json"}), 400),
        (api.get("/api/v1/services/nope/status"), 404),
        (api.get("/api/v1/deployments/dep_nope"), 404),
        (api.get("/api/v1/services/hello/logs?environment=..%2F..%2Fetc"), 422),
        (api.get("/api/v1/services/hello/logs?deployment_id=../../etc/passwd"), 422),
        (api.get("/api/v1/services/..%2F..%2Fetc/logs"), 404),
        (api.post("/api/v1/services/hello/deploy", {"environment": "nowhere"}), 400),
        (api.post("/api/v1/services/hello/approvals/apr_nope/approve", {}), 404),
        (api.post("/api/v1/services/hello/deploy", b"x" * (10 * 1024 * 1024 + 1),
                  headers={"Content-Type": "application/json"}), 413),
        (api.get("/api/v1/nothing-here"), 404),
    ]
    for reply, status in cases:
        assert reply.status == status, (status, reply.body[:300])
        assert set(reply.json()) == keys
    assert project.serves("1.0.0")


def test_an_agent_token_requests_a_production_deploy_and_only_a_person_token_approves(project: Project) -> None:
    project.spec("1.0.0", extra="""environments:
  production: {}
""")
    project.json("deploy", "--env", "production")
    serve = Serve(project).start()
    try:
        api = Api(serve.port, token=make_token(project, "bot", "deploy", "--agent"))
        project.spec("2.0.0", extra="""environments:
  production:
    approval: {mode: required, expires: 1h}
""")
        asked = api.post("/api/v1/services/hello/deploy", {"environment": "production"})
        assert asked.status == 412 and asked.json()["code"] == "approval_required", asked.body
        approval_id = asked.json()["details"]["approval_id"]
        refused = api.post(f"/api/v1/services/hello/approvals/{approval_id}/approve", {})
        assert refused.status == 403 and "agent" in refused.json()["message"]
        person = Api(serve.port, token=make_token(project, "erin", "deploy"))
        ok = person.post(f"/api/v1/services/hello/approvals/{approval_id}/approve", {"comment": "looks right"})
        assert ok.status == 200, ok.body
        assert ok.json()["approval"]["decided_by"] == "token:erin"
        started = _accepted(api.post("/api/v1/services/hello/deploy", {"environment": "production"}))
        end = _sse(serve.port, started["stream"], api.token or "")[-1]
        assert end["data"]["state"] == "succeeded"
        [row] = [r for r in api.get("/api/v1/overview").json()["services"] if r["environment"] == "production"]
        assert row["version"] == "2.0.0" and row["last_deployment"]["actor"] == "agent:bot"
    finally:
        serve.kill()


def test_where_deciders_are_tokens_an_api_token_cannot_decide(project: Project) -> None:
    gated = """environments:
  production:
    approval: {mode: required, expires: 1h, deciders: tokens}
"""
    project.spec("1.0.0", extra="environments:\n  production: {}\n")
    project.json("deploy", "--env", "production")
    serve = Serve(project).start()
    try:
        project.spec("2.0.0", extra=gated)
        api = Api(serve.port, token=make_token(project, "grace", "admin"))
        asked = api.post("/api/v1/services/hello/deploy", {"environment": "production"})
        assert asked.status == 412, asked.body
        approval_id = asked.json()["details"]["approval_id"]
        refused = api.post(f"/api/v1/services/hello/approvals/{approval_id}/approve", {})
        assert refused.status == 403 and "decider token" in refused.json()["message"], refused.body
        [row] = [a for a in project.json("approvals")["approvals"] if a["id"] == approval_id]
        assert row["state"] == "pending"
    finally:
        serve.kill()
