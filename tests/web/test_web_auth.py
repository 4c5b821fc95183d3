"""Tokens and sessions on serve's HTTP face: bearer tokens, login cookies, CSRF, revocation, agent shells."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from tests.e2e.cli_project import Project
from tests.e2e.serve_support import Serve
from tests.waiting import wait_until
from tests.web.client import Api
from tests.web.conftest import make_token

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _login(api: Api, token: str) -> str:
    reply = api.post("/login", urlencode({"token": token, "next": "/overview"}).encode(),
                     headers={**FORM, "Origin": api.origin})
    assert reply.status == 303 and reply.headers["location"] == "/overview"
    cookie = reply.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    match = re.match(r"shipmate_session=([^;]+)", cookie)
    assert match
    return match.group(1)


def test_a_bearer_token_names_its_holder_and_no_or_a_wrong_token_is_401(served: tuple[Project, Serve],
                                                                       api: Api) -> None:
    project, _ = served
    token = make_token(project, "alice", "deploy")
    me = api.get("/api/v1/whoami", token=token)
    assert me.status == 200, me.body
    assert me.json() | {"csrf_token": ""} == {"actor": "token:alice", "name": "alice", "scope": "deploy",
                                              "agent": False, "via": "bearer", "may_decide": True,
                                              "csrf_token": ""}
    for bad in ("", "smt_wrong"):
        reply = api.get("/api/v1/whoami", token=bad)
        assert reply.status == 401 and set(reply.json()) == {"code", "message", "hint", "exit_code", "details"}
        assert reply.json()["code"] == "unauthenticated" and "bearer" in reply.headers["www-authenticate"].lower()
    assert token not in project.run("token", "list").stdout   # never shown again


def test_a_revoked_token_stops_working_and_its_name_is_never_reused(served: tuple[Project, Serve], api: Api) -> None:
    project, _ = served
    token = make_token(project, "bob", "read")
    assert api.get("/api/v1/whoami", token=token).status == 200
    assert project.json("token", "revoke", "bob")["name"] == "bob"
    wait_until(lambda: api.get("/api/v1/whoami", token=token).status == 401, 10, "the revoked token to be refused")
    again = project.json("token", "create", "--name", "bob", "--scope", "read", expect=2)
    assert again["error"]["code"] == "invalid_input" and "never reused" in again["error"]["message"]
    [row] = project.json("token", "list")["tokens"]
    assert row["name"] == "bob" and row["revoked_at"] is not None and "secret" not in row


def test_an_agent_shell_may_make_only_agent_tokens_and_an_agent_token_may_not_decide(
        served: tuple[Project, Serve], api: Api) -> None:
    project, _ = served
    refused = project.json("token", "create", "--name", "sneaky", "--scope", "admin", expect=6,
                           env={"CLAUDECODE": "1"})
    assert refused["error"]["code"] == "approval_refused" and "--agent" in refused["error"]["message"]
    assert project.json("token", "list")["tokens"] == []
    bot = make_token(project, "bot", "deploy", "--agent")
    me = api.get("/api/v1/whoami", token=bot).json()
    assert me["actor"] == "agent:bot" and me["agent"] is True and me["may_decide"] is False


def test_a_browser_logs_in_with_a_token_and_a_session_post_needs_csrf_and_origin(served: tuple[Project, Serve],
                                                                                 api: Api) -> None:
    project, _ = served
    token = make_token(project, "carol", "read")
    session = _login(api, token)
    browser = Api(api.port, cookies={"shipmate_session": session})
    me = browser.get("/api/v1/whoami").json()
    assert me["via"] == "session" and me["actor"] == "token:carol" and len(me["csrf_token"]) == 64
    csrf = me["csrf_token"]
    logout = urlencode({"csrf_token": csrf}).encode()
    assert browser.post("/logout", logout, headers=FORM).status == 403              # no Origin
    assert browser.post("/logout", logout, headers={**FORM, "Origin": "http://evil.example"}).status == 403
    no_csrf = browser.post("/logout", b"", headers={**FORM, "Origin": api.origin})
    assert no_csrf.status == 403 and "CSRF" in no_csrf.json()["message"]
    done = browser.post("/logout", logout, headers={**FORM, "Origin": api.origin})
    assert done.status == 303 and 'shipmate_session=""' in done.headers["set-cookie"]
    # A forged or expired cookie is no session.
    assert Api(api.port, cookies={"shipmate_session": session[:-2] + "00"}).get("/api/v1/whoami").status == 401


def test_login_from_another_site_or_with_a_wrong_token_gets_no_session(served: tuple[Project, Serve],
                                                                       api: Api) -> None:
    project, _ = served
    token = make_token(project, "dave", "read")
    form = urlencode({"token": token}).encode()
    assert api.post("/login", form, headers={**FORM, "Origin": "http://evil.example"}).status == 403
    assert api.post("/login", form, headers={**FORM, "Origin": "null"}).status == 403
    assert api.post("/login", form, headers=FORM).status == 403                          # no Origin
    rebinding = api.post("/login", form, headers={**FORM, "Origin": api.origin}, host=f"rebind.example:{api.port}")
    assert rebinding.status == 421 and rebinding.json()["code"] == "misdirected"
    wrong = api.post("/login", urlencode({"token": "smt_nope", "next": "//evil.example"}).encode(),
                     headers={**FORM, "Origin": api.origin})
    assert wrong.status == 303 and wrong.headers["location"] == "/login?error=invalid_token"
    assert "set-cookie" not in wrong.headers
    ok = api.post("/login", urlencode({"token": token, "next": "//evil.example/x"}).encode(),
                  headers={**FORM, "Origin": api.origin})
    assert ok.status == 303 and ok.headers["location"] == "/"                          # no open redirect
