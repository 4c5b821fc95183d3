"""Every state-changing route of serve's API, and the MCP HTTP endpoint, against the matrix
Host {ok, evil, rebinding name} x Origin {ok, evil, null, absent} x token {none, wrong, read, deploy, admin}:
each combination that must fail is refused (421 / 403 / 401) and nothing in any store changes."""

from __future__ import annotations

import itertools
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import urlencode

from tests.e2e.cli_project import Project
from tests.e2e.serve_support import Serve
from tests.waiting import free_port, port_open, wait_until
from tests.web.client import Api
from tests.web.conftest import make_token

ROUTES = {   # path -> scope it needs
    "/api/v1/services/hello/deploy": "deploy",
    "/api/v1/services/hello/rollback": "deploy",
    "/api/v1/services/hello/promote": "deploy",
    "/api/v1/services/hello/approvals/apr_0123456789ab/approve": "deploy",
    "/api/v1/services/hello/approvals/apr_0123456789ab/reject": "deploy",
    "/api/v1/deployments/dep_0123456789ab/cancel": "deploy",
    "/api/v1/probe/mcp": "deploy",
    "/api/v1/services/hello/down": "admin",
    "/api/v1/services/hello/locks/release": "admin",
}
BODIES = {"promote": {"from_env": "default", "to_env": "default"}, "reject": {"reason": "no"},
          "mcp": {"target": "http://127.0.0.1:9/mcp"}}
RANK = {"read": 0, "deploy": 1, "admin": 2}


def _fingerprint(*dbs: Path) -> list[tuple[object, ...]]:
    """What a change anywhere would move: every table's row count and the last event of each database. Not the
    uptime tables: serve's prober writes its samples on its own clock (under load one landed mid-matrix)."""
    out = []
    for db in dbs:
        with sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True) as conn:
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                                 "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%fts%' "
                                                 "AND name NOT LIKE 'uptime%'")]
            out += [(db.name, t, conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in sorted(tables)]
            out.append((db.name, "last", conn.execute("SELECT max(seq), max(hash) FROM events").fetchone()))
            out.append((db.name, "approvals", tuple(conn.execute("SELECT id, state FROM approvals"))))
        conn.close()
    return out


def _expected(host: str, origin: str, token: str, scope: str) -> int | None:
    """The refusal this combination must get; None when it is allowed (not part of the refusal matrix)."""
    if host != "ok":
        return 421
    if origin in ("evil", "null"):
        return 403
    if token in ("none", "wrong"):
        return 401
    return 403 if RANK[token] < RANK[scope] else None


def test_every_refused_combination_on_every_state_changing_route_changes_nothing(
        served: tuple[Project, Serve], api: Api) -> None:
    project, _ = served
    tokens = {name: make_token(project, f"m-{name}", name) for name in RANK}
    tokens["wrong"] = "smt_" + "x" * 43
    hosts = {"ok": f"127.0.0.1:{api.port}", "evil": "evil.example", "rebind": f"rebind.attacker.example:{api.port}"}
    origins = {"ok": api.origin, "evil": "http://evil.example", "null": "null", "absent": None}
    dbs = [project.home() / "state.db", Path(project.env["XDG_STATE_HOME"]) / "shipmate" / "host" / "state.db"]
    before = _fingerprint(*dbs)
    checked = 0
    for path, scope in ROUTES.items():
        body = next((b for key, b in BODIES.items() if path.endswith(key)), {})
        for host, origin, token in itertools.product(hosts, origins, ["none", "wrong", *RANK]):
            want = _expected(host, origin, token, scope)
            if want is None:
                continue
            headers = {"Origin": origins[origin]} if origins[origin] else {}
            reply = api.post(path, body, host=hosts[host], headers=headers, token=tokens.get(token, ""))
            assert reply.status == want, (path, host, origin, token, reply.status, reply.body[:200])
            assert set(reply.json()) == {"code", "message", "hint", "exit_code", "details"}
            checked += 1
    assert checked > 400
    assert _fingerprint(*dbs) == before
    assert project.serves("1.0.0")


def test_a_cross_site_form_post_with_the_browsers_session_is_refused(served: tuple[Project, Serve],
                                                                      api: Api) -> None:
    project, _ = served
    token = make_token(project, "victim", "admin")
    login = api.post("/login", urlencode({"token": token}).encode(),
                     headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": api.origin})
    session = login.headers["set-cookie"].split(";")[0].split("=", 1)[1]
    browser = Api(api.port, cookies={"shipmate_session": session})
    dbs = [project.home() / "state.db"]
    before = _fingerprint(*dbs)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for origin in ("http://evil.example", "null"):
        assert browser.post("/api/v1/services/hello/down", b"environment=default",
                            headers={**form, "Origin": origin}).status == 403
    # Same origin but no CSRF token (a form an attacker cannot fill in): refused; JSON too.
    assert browser.post("/api/v1/services/hello/down", {}, headers={"Origin": api.origin}).status == 403
    assert browser.post("/api/v1/services/hello/down", {}).status == 403      # no Origin with a cookie
    assert _fingerprint(*dbs) == before and project.serves("1.0.0")
    csrf = browser.get("/api/v1/whoami").json()["csrf_token"]
    done = browser.post("/api/v1/services/hello/locks/release", {}, headers={"Origin": api.origin,
                                                                             "X-CSRF-Token": csrf})
    assert done.status == 200, done.body   # the same session from the dashboard's own page may act


def test_the_mcp_http_endpoint_refuses_foreign_hosts_and_origins_with_the_same_guard(project: Project) -> None:
    project.spec("1.0.0")
    project.json("deploy")
    port = free_port()
    proc = project.spawn("mcp", "--http", "--port", str(port), env={"SHIPMATE_MCP_TOKEN": "t" * 32})
    wait_until(lambda: port_open(port) or proc.poll() is not None, 30, "shipmate mcp --http to listen")
    assert proc.poll() is None
    try:
        api = Api(port)
        before = _fingerprint(project.home() / "state.db")
        call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "down", "arguments": {}}}
        hosts = {"ok": f"127.0.0.1:{port}", "evil": "evil.example", "rebind": f"rebind.attacker.example:{port}"}
        origins = {"ok": f"http://127.0.0.1:{port}", "evil": "http://evil.example", "null": "null", "absent": None}
        for (host, origin), token in itertools.product(itertools.product(hosts, origins),
                                                       [None, "wrong", "t" * 32]):
            want = 421 if host != "ok" else 403 if origin in ("evil", "null") else None
            if want is None:
                continue
            headers = {"Accept": "application/json, text/event-stream", **(
                {"Origin": origins[origin]} if origins[origin] else {})}
            reply = api.post("/mcp", call, host=hosts[host], headers=headers, token=token or "")
            assert reply.status == want, (host, origin, token, reply.status)
        assert _fingerprint(project.home() / "state.db") == before and project.serves("1.0.0")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
