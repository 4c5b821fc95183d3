"""Who is calling serve's HTTP face, and may they: bearer tokens (API clients), session cookies (the dashboard),
scopes, CSRF.

- API clients send `Authorization: Bearer smt_...` (a token from `shipmate token create`); no cookie, no CSRF.
- The browser logs in once with a token (POST /login, web/sessions.py) and gets a signed `HttpOnly;
  SameSite=Strict` session cookie naming the token; a revoked token ends its sessions at the next request.
- A state change is a POST; with a session it must carry the CSRF token (form field `csrf_token` or header
  `X-CSRF-Token`) and an `Origin` of this server (absent is refused for sessions).
- Scopes: read < deploy < admin. An agent's token (`--agent`) may request but never decide an approval.

Routes use `require(request, scope)` (Starlette pages) or `Depends(needs("deploy"))` (FastAPI).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from starlette.datastructures import FormData
from starlette.requests import Request

from shipmate import ops
from shipmate.errors import AccessDeniedError, NotAuthenticatedError
from shipmate.web.coalesce import FreshRead

SESSION_COOKIE = "shipmate_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SESSION_SECONDS = 12 * 3600
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_CACHE_SECONDS = 2.0   # a token lookup per request is a SQLite read; revocation shows within this
_RENEW_SECONDS = 1.0   # a holder polled past this is looked up again in the background: no request waits


@dataclass(frozen=True)
class Caller:
    holder: ops.TokenHolder
    via: Literal["bearer", "session"]
    session: str | None = None          # the cookie value, for CSRF

    @property
    def actor(self) -> str:
        return self.holder.actor

    def identity(self) -> ops.Identity:
        """An agent's token is never a person: it may request, never approve."""
        return ops.Identity(actor=self.actor, face="http", person=not self.holder.agent)


# Token holders looked up at most _CACHE_SECONDS ago (revocation shows within it). The lookup (~30 ms) ran on the
# event loop every 2 s and stalled every request in flight; a holder still in use is renewed on a thread first.
_holders: FreshRead[ops.TokenHolder | None] = FreshRead(
    refresh_after=_RENEW_SECONDS, max_age=_CACHE_SECONDS, hard_max_age=_CACHE_SECONDS, max_keys=4096)


def _holder(key: str, load: Callable[[], ops.TokenHolder | None]) -> ops.TokenHolder | None:
    hit = _holders.peek(key, load)
    return (hit if hit is not None else _holders.read(key, load))[1]


def _key() -> bytes:
    return ops.web_key()


def _sign(text: str) -> str:
    return hmac.new(_key(), text.encode(), hashlib.sha256).hexdigest()


def session_value(holder: ops.TokenHolder, *, now: float | None = None) -> str:
    """A signed cookie value naming the token and when the session ends."""
    body = base64.urlsafe_b64encode(f"{holder.name}|{int((now or time.time()) + SESSION_SECONDS)}".encode())
    text = body.decode().rstrip("=")
    return f"{text}.{_sign('session|' + text)}"


def _session_name(value: str) -> str | None:
    text, _, mac = value.partition(".")
    if not mac or not hmac.compare_digest(mac, _sign("session|" + text)):
        return None
    try:
        name, _, until = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode().partition("|")
        return name if until.isdigit() and int(until) > time.time() else None
    except (ValueError, UnicodeDecodeError):
        return None


def csrf_token(request: Request) -> str:
    """The CSRF token of this request's session (put it in every form as `csrf_token`); "" without one."""
    value = request.cookies.get(SESSION_COOKIE, "")
    return _sign("csrf|" + value) if value else ""


def authenticate(request: Request) -> Caller:
    """The caller, from the bearer token or else the session cookie; NotAuthenticatedError (401) if neither."""
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        token = token.strip()
        holder = None
        if scheme.lower() == "bearer" and token:
            digest = hashlib.sha256(token.encode()).hexdigest()
            holder = _holder("t:" + digest, lambda: ops.token_holder(token))
        if holder is None:
            raise NotAuthenticatedError("the bearer token is unknown or revoked",
                                        hint="make one with `shipmate token create --scope read --name NAME`")
        return Caller(holder, "bearer")
    value = request.cookies.get(SESSION_COOKIE, "")
    name = _session_name(value) if value else None
    holder = _holder("s:" + name, lambda: ops.token_active(name)) if name else None
    if holder is None:
        raise NotAuthenticatedError("log in first: no bearer token and no valid session",
                                    hint="send `Authorization: Bearer <token>`, or log in at /login")
    return Caller(holder, "session", value)


def require(request: Request, scope: str, *, csrf: str | None = None) -> Caller:
    """The caller if their token has ``scope``; for a state change by session also CSRF token + Origin.
    ``csrf``: the form's `csrf_token` field (require_form passes it); else the X-CSRF-Token header counts."""
    caller = authenticate(request)
    if not caller.holder.allows(scope):
        raise AccessDeniedError(f"{caller.actor} has scope {caller.holder.scope}; this needs {scope}",
                                hint=f"use a token made with `shipmate token create --scope {scope}`")
    if request.method in UNSAFE and caller.via == "session":
        check_same_origin(request)
        given = csrf or request.headers.get(CSRF_HEADER) or ""
        if not given or not hmac.compare_digest(given, csrf_token(request)):
            raise AccessDeniedError("missing or wrong CSRF token",
                                    hint=f"reload the page; forms carry `{CSRF_FIELD}`, scripts `X-CSRF-Token`")
    return caller


async def require_form(request: Request, scope: str) -> tuple[Caller, FormData]:
    """For a dashboard form POST: the caller (as require) and the parsed form, its csrf_token checked."""
    form = await request.form()
    given = form.get(CSRF_FIELD)
    return require(request, scope, csrf=given if isinstance(given, str) else ""), form


def check_same_origin(request: Request) -> None:
    """A browser's state change must say where it comes from: this server's own origin (the guard already
    refused any other Origin; here an absent one is refused too)."""
    origin = request.headers.get("origin")
    if origin is None:
        raise AccessDeniedError("a browser state change must carry an Origin header",
                                hint="submit the form from the dashboard page itself")


def require_decider(caller: Caller) -> None:
    """Approve/reject needs a person: an agent's token may request, never decide."""
    if caller.holder.agent:
        raise AccessDeniedError(f"{caller.actor} is an agent's token: agents request, people decide",
                                hint="a person approves with their own token, or on the host CLI")


def needs(scope: str) -> Callable[[Request], Awaitable[Caller]]:
    """A FastAPI dependency: `caller: Caller = Depends(needs("deploy"))`. Async: it runs on the event loop
    (a token lookup is a cached dict read; a miss is one short SQLite read), not on a pool thread."""
    async def dependency(request: Request) -> Caller:
        return require(request, scope)
    dependency.__name__ = f"needs_{scope}"
    return dependency
