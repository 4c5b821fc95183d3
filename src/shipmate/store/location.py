"""Where a home's state lives: its own SQLite file (the default) or a shared PostgreSQL database.

``SHIPMATE_STORE`` wins; else ``store:`` in the host config ``$XDG_CONFIG_HOME/shipmate/host.yaml`` (default
``~/.config/shipmate/host.yaml``). It is a host setting, not a project one: shipmate.yaml travels in the
project's repository to every host and must not carry a database password, and the state home cannot say
where the state is kept. No SQLAlchemy here: fast commands ask this before deciding what to import.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from shipmate.errors import InvalidInputError

STORE_ENV = "SHIPMATE_STORE"
HOST_CONFIG = "host.yaml"
_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")


def host_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".config") / "shipmate" / HOST_CONFIG


def configured_url() -> str | None:
    """The PostgreSQL URL this host's homes are kept in; None for the default (one SQLite file per home)."""
    raw = os.environ.get(STORE_ENV, "").strip()
    where = STORE_ENV
    if not raw:
        raw, where = _from_host_config()
    if not raw or raw in ("sqlite", "default"):
        return None
    return checked_url(raw, where)


def _from_host_config() -> tuple[str, str]:
    path = host_config_path()
    if not path.is_file():
        return "", ""
    import yaml  # only when the file exists: most hosts have none

    try:
        data = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidInputError(f"{path}: cannot read the host config: {exc}".splitlines()[0],
                          hint="fix the YAML, or remove the file to keep state in SQLite") from exc
    value = data.get("store", "") if isinstance(data, dict) else ""
    if not isinstance(value, str):
        raise InvalidInputError(f"{path}: store: must be a postgresql:// URL", hint="e.g. store: postgresql://host/db")
    return value.strip(), f"{path}: store"


def checked_url(raw: str, where: str = "--to") -> str:
    """A postgresql URL normalised to SQLAlchemy's psycopg 3 driver, or a InvalidInputError naming ``where``."""
    parts = urlsplit(raw)
    if parts.scheme not in _SCHEMES or (not parts.netloc and "host=" not in parts.query):
        raise InvalidInputError(f"{where}: {shown(raw)!r} is not a postgresql:// URL",
                          hint="e.g. postgresql://shipmate:PASSWORD@db.internal:5432/shipmate")
    return urlunsplit(parts._replace(scheme="postgresql+psycopg"))


def shown(url: str) -> str:
    """The URL with its password masked: for messages, logs and status."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)
