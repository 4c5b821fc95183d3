"""One-time approval codes: shown to a person out of band, stored only as a hash, consumed on use.

A code is HMAC(key, approval id), the key a random file `<home>/approval-key` (0600) on the host: the
database holds sha256(code) only, yet `shipmate approvals` on the host can show the code again. Whoever
can read that file is on the host, i.e. already a person's channel.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

KEY_FILE = "approval-key"
GROUP = 4


def _key(home: Path) -> bytes:
    from shipmate.errors import PrerequisiteMissing

    path = home / KEY_FILE
    try:
        home.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            key = path.read_text().strip()
        else:
            key = secrets.token_hex(32)
            with os.fdopen(fd, "w") as out:
                out.write(key + "\n")
    except OSError as exc:
        raise PrerequisiteMissing(f"cannot read or create the approval key {path}: {exc.strerror}",
                                  hint=f"fix the permissions of {home}") from exc
    if len(key) < 32:
        raise PrerequisiteMissing(f"the approval key {path} is damaged", hint="delete it: pending codes change")
    return key.encode()


def code_for(home: Path, approval_id: str) -> str:
    """The approval's code, e.g. "K7QD-3MZP-X2AB" (60 bits, letters and digits that read aloud well)."""
    digest = hmac.new(_key(home), approval_id.encode(), hashlib.sha256).digest()
    text = base64.b32encode(digest).decode()[:12]
    return "-".join(text[i:i + GROUP] for i in range(0, len(text), GROUP))


def normalise(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def hash_code(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def code_matches(given: str | None, stored_hash: str | None) -> bool:
    if not given or not stored_hash:
        return False
    return hmac.compare_digest(hash_code(given), stored_hash)
