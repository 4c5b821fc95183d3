"""Opaque list cursors: the key the last page ended at, with the filters it was made for, signed with the
host's web key. A cursor that was edited, or used with other filters, is a 400 (never a wrong page)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from shipmate import ops
from shipmate.errors import InvalidInputError


def _mac(text: str) -> str:
    return hmac.new(ops.web_key(), ("cursor|" + text).encode(), hashlib.sha256).hexdigest()[:32]


def make_cursor(key: list[Any], scope: dict[str, Any]) -> str:
    text = base64.urlsafe_b64encode(json.dumps({"k": key, "s": scope}, separators=(",", ":")).encode())
    body = text.decode().rstrip("=")
    return f"{body}.{_mac(body)}"


def read_cursor(cursor: str | None, scope: dict[str, Any]) -> list[Any] | None:
    """The key in ``cursor`` (None for the first page); InvalidInputError if tampered with or for other filters."""
    if not cursor:
        return None
    body, _, mac = cursor.partition(".")
    if not mac or not hmac.compare_digest(mac, _mac(body)):
        raise InvalidInputError("the cursor was altered or is not one of ours",
                                hint="use next_cursor exactly as a previous page returned it")
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except ValueError as exc:
        raise InvalidInputError("the cursor is unreadable", hint="start again without a cursor") from exc
    if data.get("s") != scope:
        raise InvalidInputError("the cursor was made for other filters",
                                hint="keep the filters of the first page, or start again without a cursor")
    key = data.get("k")
    if not isinstance(key, list) or len(key) != 2:
        raise InvalidInputError("the cursor is unreadable", hint="start again without a cursor")
    return key
