"""The host's own state: one database beside the host registry (API tokens and their audit events) and the
web face's signing key. One `serve` answers for every registered home, so what it authenticates with is the
host's, not one project's."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

HOST_DIR = "host"
WEB_KEY_FILE = "web-key"


def host_root() -> Path:
    """$XDG_STATE_HOME/shipmate (default ~/.local/state/shipmate): where the host registry lives too."""
    base = os.environ.get("XDG_STATE_HOME", "").strip()
    root = Path(base).expanduser() if base else Path.home() / ".local" / "state"
    return root / "shipmate"


def host_home() -> Path:
    """The folder of the host database (a state.db with the same schema as a project's)."""
    return host_root() / HOST_DIR


def web_key() -> bytes:
    """The key that signs session cookies, CSRF tokens and list cursors (0600, made on first use)."""
    from shipmate.secrets.key_file import read_or_create

    path = host_home() / WEB_KEY_FILE
    text = read_or_create(path, lambda: secrets.token_hex(32), what="the web signing key",
                          hint=f"fix the permissions of {path.parent}")
    return bytes.fromhex(text) if len(text) == 64 else text.encode()
