"""The route table on disk: routes.json, replaced atomically so a crash never leaves half a table."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

TABLE_VERSION = 1


class TableError(Exception):
    """routes.json cannot be read or written (the daemon reports it and refuses the change)."""


@dataclass(frozen=True)
class Route:
    """One public port and the backend that receives its new connections."""

    port: int
    backend_host: str
    backend_port: int
    service: str
    environment: str
    instance_id: str

    @property
    def backend(self) -> str:
        return f"{self.backend_host}:{self.backend_port}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Route:
        try:
            route = cls(
                port=int(raw["port"]),
                backend_host=str(raw.get("backend_host") or "127.0.0.1"),
                backend_port=int(raw["backend_port"]),
                service=str(raw.get("service", "")),
                environment=str(raw.get("environment", "")),
                instance_id=str(raw.get("instance_id", "")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise TableError(f"invalid route entry {raw!r}: {exc}") from exc
        if not (0 < route.port < 65536 and 0 < route.backend_port < 65536):
            raise TableError(f"invalid route entry {raw!r}: ports must be 1-65535")
        return route


def load_table(path: Path) -> dict[int, Route]:
    """Read routes.json; a missing file is an empty table, a corrupt one is an error."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise TableError(f"cannot read {path}: {exc}") from exc
    try:
        doc = json.loads(text)
        entries = doc["routes"]
        if not isinstance(entries, list):
            raise TypeError("'routes' is not a list")
    except (ValueError, KeyError, TypeError) as exc:
        raise TableError(f"{path} is corrupt: {exc}") from exc
    routes = [Route.from_dict(entry) for entry in entries]
    return {route.port: route for route in routes}


def save_table(path: Path, routes: dict[int, Route]) -> None:
    """tmp file + fsync + os.replace + fsync(dir): after return the table survives power loss."""
    doc = {"version": TABLE_VERSION, "routes": [routes[port].to_dict() for port in sorted(routes)]}
    data = (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode("utf-8")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise TableError(f"cannot write {path}: {exc}") from exc
