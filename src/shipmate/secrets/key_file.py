"""A secret kept in one 0600 file of the state home (the MCP token, the approval key): read it, or create it once."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from shipmate.errors import PrerequisiteMissingError


def read_or_create(path: Path, make: Callable[[], str], *, what: str, hint: str) -> str:
    """The file's text (stripped), written as ``make()`` with mode 0600 if it did not exist yet.

    O_EXCL makes two processes starting at once agree on one value: the loser reads the winner's file.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        value = make()
        with os.fdopen(fd, "w") as out:
            out.write(value + "\n")
        return value
    except OSError as exc:
        raise PrerequisiteMissingError(f"cannot read or create {what} {path}: {exc.strerror}", hint=hint) from exc
