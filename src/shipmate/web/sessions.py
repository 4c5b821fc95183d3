"""The dashboard's login and logout: a token typed once becomes a signed session cookie (web/auth.py).

POST /login (form: `token`, optional `next`, a path on this server): 303 to `next` with the cookie set, or
303 to `/login?error=invalid_token`. A login must come from a page of this server (Origin checked), so a
foreign page cannot log a browser in as someone else. POST /logout (session + CSRF) clears it.
A login is no audit event (it changes nothing); every call made with the session names the token's holder.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from shipmate import ops
from shipmate.web.auth import SESSION_COOKIE, SESSION_SECONDS, check_same_origin, require_form, session_value


def _safe_next(value: object) -> str:
    """Only a path on this server (never //host or a scheme): no open redirect."""
    if isinstance(value, str) and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value[:500]
    return "/"


async def login(request: Request) -> Response:
    check_same_origin(request)
    form = await request.form()
    token = form.get("token")
    holder = ops.token_holder(token.strip()) if isinstance(token, str) else None
    if holder is None:
        return RedirectResponse("/login?error=invalid_token", status_code=303)
    response = RedirectResponse(_safe_next(form.get("next")), status_code=303)
    response.set_cookie(SESSION_COOKIE, session_value(holder), max_age=SESSION_SECONDS, path="/",
                        httponly=True, samesite="strict")
    return response


async def logout(request: Request) -> Response:
    await require_form(request, "read")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


def session_routes() -> list[Route]:
    return [Route("/login", login, methods=["POST"]), Route("/logout", logout, methods=["POST"])]
