"""The dashboard's state-changing route (approve/reject a pending approval) against the matrix Host {ok, evil,
rebinding name} x Origin {ok, evil, null, absent} x session {none, forged, read, agent's deploy, a person's
deploy} x CSRF {right, missing}: every combination that must fail is refused (421/403/401) and the approval
stays pending; a cross-site form post is refused too."""

from __future__ import annotations

import itertools
import re
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from tests.web.client import Api
from tests.web.dashboard_site import PRODUCTION_GATED, Site

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def _session(api: Api, secret: str) -> tuple[str, str]:
    """(session cookie, CSRF token) of a browser that logged in with ``secret``."""
    login = api.request("POST", "/login", body=urlencode({"token": secret, "next": "/approvals"}).encode(),
                        headers={"Origin": api.origin, "Content-Type": "application/x-www-form-urlencoded"})
    assert login.status == 303, login.body[:200]
    cookie = SimpleCookie(login.headers["set-cookie"])["shipmate_session"].value
    page = Api(api.port, cookies={"shipmate_session": cookie}).get("/approvals")
    found = CSRF.search(page.body.decode())
    assert page.status == 200 and found, page.body[:300]
    return cookie, found.group(1)


def _pending(site: Site) -> str:
    site.spec(site.hello, "hello", "9.9.9", PRODUCTION_GATED.format(port=site.production_port), monitor="1s")
    asked = site.hello.json("deploy", "-e", "production", "--no-wait", expect=6)
    approval_id: str = asked["error"]["details"]["approval_id"]
    return approval_id


def _state(site: Site, approval_id: str) -> str:
    rows = site.hello.json("approvals", "--all")["approvals"]
    return str(next(a["state"] for a in rows if a["id"] == approval_id))


def test_every_refused_combination_on_the_dashboards_decision_changes_nothing(site: Site) -> None:
    approval_id = _pending(site)
    api = Api(site.serve.port)
    sessions = {name: _session(api, site.tokens[who]) for name, who in
                (("read", "viewer"), ("agent", "bot"), ("person", "ann"))}
    sessions["forged"] = ("bm9ib2R5fDk5OTk5OTk5OTk.0000", sessions["person"][1])
    hosts = {"ok": f"127.0.0.1:{api.port}", "evil": "evil.example", "rebind": f"rebind.attacker.example:{api.port}"}
    origins = {"ok": api.origin, "evil": "http://evil.example", "null": "null", "absent": None}
    checked = 0
    for host, origin, who, csrf in itertools.product(hosts, origins, ["none", "forged", "read", "agent", "person"],
                                                     ["right", "missing"]):
        if (host, origin, who, csrf) == ("ok", "ok", "person", "right"):
            continue   # the one allowed combination: the browser tests press it
        want = 421 if host != "ok" else 403 if origin in ("evil", "null") else 401 if who in ("none", "forged") \
            else 403
        cookie, token = sessions.get(who, ("", ""))
        form = {"decision": "approve", "service": "hello", **({"csrf_token": token} if csrf == "right" else {})}
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   **({"Origin": origins[origin]} if origins[origin] else {})}
        client = Api(api.port, cookies={"shipmate_session": cookie} if cookie else {})
        reply = client.request("POST", f"/approvals/{approval_id}/decide", body=urlencode(form).encode(),
                               headers=headers, host=hosts[host])
        assert reply.status == want, (host, origin, who, csrf, reply.status, reply.body[:300])
        assert b"Traceback" not in reply.body
        checked += 1
    assert checked == 3 * 4 * 5 * 2 - 1
    assert _state(site, approval_id) == "pending"          # nothing of all that decided anything


def test_a_cross_site_form_post_is_refused(site: Site) -> None:
    """A page on another site posting a form into the dashboard: the browser sends its own Origin (and, with
    SameSite=Strict, no cookie at all)."""
    approval_id = _pending(site)
    api = Api(site.serve.port)
    cookie, token = _session(api, site.tokens["ann"])
    for origin, with_cookie in (("http://evil.example", True), ("http://evil.example", False)):
        client = Api(api.port, cookies={"shipmate_session": cookie} if with_cookie else {})
        reply = client.request("POST", f"/approvals/{approval_id}/decide", headers={
            "Origin": origin, "Content-Type": "application/x-www-form-urlencoded"},
            body=urlencode({"decision": "approve", "service": "hello", "csrf_token": token}).encode())
        assert reply.status == 403
    assert _state(site, approval_id) == "pending"
