"""One-time approval codes: shown to a person out of band, stored only as a hash, consumed on use.

A code is HMAC(key, approval id), the key a random file `<home>/approval-key` (0600) on the host: the
database holds sha256(code) only, yet `shipmate approvals` on the host can show the code again. Whoever
can read that file is on the host, i.e. already a person's channel.

The code sent through `notify:` is the approval's own; `shipmate approvals` shows each OS user a code of
their own, HMAC(key, id|user:<name>), so a code an agent presents tells whose it was (holder_of).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from pathlib import Path

from shipmate.secrets.key_file import read_or_create

KEY_FILE = "approval-key"
GROUP = 4


def _key(home: Path) -> bytes:
    from shipmate.errors import PrerequisiteMissingError

    path = home / KEY_FILE
    key = read_or_create(path, lambda: secrets.token_hex(32), what="the approval key",
                         hint=f"fix the permissions of {home}")
    if len(key) < 32:
        raise PrerequisiteMissingError(f"the approval key {path} is damaged", hint="delete it: pending codes change")
    return key.encode()


def code_for(home: Path, approval_id: str, holder: str | None = None) -> str:
    """The approval's code, e.g. "K7QD-3MZP-X2AB" (60 bits, letters and digits that read aloud well);
    with ``holder`` (user:<name>) the code that person is shown."""
    message = approval_id if holder is None else f"{approval_id}|{holder}"
    digest = hmac.new(_key(home), message.encode(), hashlib.sha256).digest()
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


def holder_of(home: Path, approval_id: str, given: str | None, stored_hash: str | None,
              people: list[str]) -> str | None:
    """Whose code ``given`` is: "notify" (the code notifications carried), one of ``people``, or None."""
    if not given:
        return None
    if code_matches(given, stored_hash):
        return "notify"
    if stored_hash is None:
        return None   # decided or expired: no code of it is valid any more
    wanted = normalise(given)
    for person in people:
        if hmac.compare_digest(normalise(code_for(home, approval_id, person)), wanted):
            return person
    return None
