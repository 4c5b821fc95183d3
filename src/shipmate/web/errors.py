"""One error shape for every HTTP answer that is not a success: {code, message, hint, exit_code, details},
with the status that fits the error class (never a 500 for bad input)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from shipmate import ops
from shipmate.errors import (
    AccessDeniedError,
    ApprovalRefusedError,
    ApprovalRequiredError,
    InvalidInputError,
    LockHeldError,
    LockLostError,
    MisdirectedRequestError,
    NotAuthenticatedError,
    NotFoundError,
    PolicyRefusedError,
    ShipmateError,
)

# First match wins: subclasses before their bases.
STATUSES: tuple[tuple[type[ShipmateError], int], ...] = (
    (NotAuthenticatedError, 401),
    (MisdirectedRequestError, 421),
    (AccessDeniedError, 403),
    (ApprovalRefusedError, 403),
    (ApprovalRequiredError, 412),
    (LockHeldError, 409),
    (LockLostError, 409),
    (PolicyRefusedError, 409),
    (NotFoundError, 404),
    (InvalidInputError, 400),
)


def status_of(exc: ShipmateError) -> int:
    for kind, status in STATUSES:
        if isinstance(exc, kind):
            return status
    return 409 if exc.exit_code in (3, 7) else 500   # unhealthy / prerequisite: the state, not the server


def body_of(exc: ShipmateError) -> dict[str, Any]:
    raw = exc.to_dict()
    details = {k: v for k, v in raw.items() if k not in ("code", "message", "hint", "exit_code", "details")}
    details.update(raw.get("details") or {})
    body: dict[str, Any] = ops.redact_tree({"code": exc.code, "message": exc.message, "hint": exc.hint,
                                            "exit_code": exc.exit_code, "details": details})
    return body


def error_response(exc: ShipmateError) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="shipmate"'} if isinstance(exc, NotAuthenticatedError) else None
    return JSONResponse(body_of(exc), status_code=status_of(exc), headers=headers)


def shape(status: int, code: str, message: str, hint: str | None, exit_code: int = 2,
          details: dict[str, Any] | None = None) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, "hint": hint, "exit_code": exit_code,
                         "details": details or {}}, status_code=status)


async def on_shipmate_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ShipmateError)
    return error_response(exc)


async def on_unexpected(request: Request, exc: Exception) -> Response:
    """A bug of ours: one line, no traceback (it may hold secrets)."""
    return shape(500, "error", f"internal error: {type(exc).__name__}", "report it with the server's log", 5)
