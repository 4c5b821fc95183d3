"""A face's bearer token (the MCP face over HTTP; later the web API): from the environment, else a file in the
state folder made on first start. Either way the value joins the secret filter: it is never printed."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def bearer_token(home: Path, *, env: str, file_name: str, what: str) -> tuple[str, str]:
    """(token, where it came from): the environment variable ``env``, or ``home``/``file_name``."""
    from shipmate.errors import PrerequisiteMissingError
    from shipmate.secrets.key_file import read_or_create
    from shipmate.secrets.redact import remember

    given = os.environ.get(env, "").strip()
    if given:
        remember(given)
        return given, env
    path = home / file_name
    token = read_or_create(path, lambda: secrets.token_urlsafe(32), what=what,
                           hint=f"set {env}, or fix the permissions of {home}")
    if not token:
        raise PrerequisiteMissingError(f"{what} {path} is empty", hint="delete it to get a new token")
    remember(token)
    return token, str(path)
