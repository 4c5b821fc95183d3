"""The route table on disk: routes.json, replaced atomically so a crash never leaves half a table.

Version 2 holds a weighted backend set per route; a version-1 file (one backend per route) still
loads, as a tcp route with that single backend at weight 100.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from shipmate.traffic import DEFAULT_HOLD_S, Backend

TABLE_VERSION = 2
MODES = ("http", "tcp")
DEFAULT_HEAD_TIMEOUT_S = 10.0       # a client must send a whole request head within this (else 408)
DEFAULT_RESPONSE_TIMEOUT_S = 60.0   # a backend must start its response within this (else 504)
DEFAULT_IDLE_TIMEOUT_S = 75.0       # an idle client keep-alive connection is closed after this


class TableError(Exception):
    """routes.json cannot be read or written (the daemon reports it and refuses the change)."""


def _port(value: Any, what: str) -> int:
    port = int(value)
    if not 0 < port < 65536:
        raise TableError(f"{what} {port}: ports must be 1-65535")
    return port


def backend_from_dict(raw: dict[str, Any]) -> Backend:
    """One saved backend, checked: the table holds the engine's own ``traffic.Backend``."""
    weight = int(raw.get("weight", 100))
    if weight < 0:
        raise TableError(f"backend weight {weight} is negative")
    return Backend(host=str(raw.get("host") or "127.0.0.1"), port=_port(raw["port"], "backend port"),
                   weight=weight, version=str(raw.get("version", "")),
                   instance_id=str(raw.get("instance_id", "")), role=str(raw.get("role") or "stable"))


@dataclass(frozen=True)
class Route:
    """One public port, how it routes, and the backends that receive its new requests."""

    port: int
    service: str
    environment: str
    mode: str = "http"
    hold_s: float = DEFAULT_HOLD_S
    sticky: bool = False
    fencing: int = 0
    backends: tuple[Backend, ...] = field(default_factory=tuple)
    head_timeout_s: float = DEFAULT_HEAD_TIMEOUT_S
    response_timeout_s: float = DEFAULT_RESPONSE_TIMEOUT_S
    idle_timeout_s: float = DEFAULT_IDLE_TIMEOUT_S

    def to_dict(self) -> dict[str, Any]:
        raw = asdict(self)
        raw["backends"] = [asdict(b) for b in self.backends]
        return raw

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Route:
        """A v2 entry, or a v1 one (backend_host/backend_port/instance_id: one tcp backend)."""
        try:
            if "backends" not in raw and "backend_port" in raw:
                raw = {**raw, "mode": raw.get("mode", "tcp"), "backends": [{
                    "host": raw.get("backend_host") or "127.0.0.1", "port": raw["backend_port"],
                    "weight": 100, "instance_id": raw.get("instance_id", "")}]}
            mode = str(raw.get("mode", "http"))
            if mode not in MODES:
                raise TableError(f"mode {mode!r} is not one of {', '.join(MODES)}")
            backends = raw.get("backends") or []
            if not isinstance(backends, list):
                raise TypeError("'backends' is not a list")
            entries = tuple(backend_from_dict(b) for b in backends)
            if len({b.address for b in entries}) != len(entries):
                raise TableError("a backend address appears twice")
            route = cls(
                port=_port(raw["port"], "port"), service=str(raw.get("service", "")),
                environment=str(raw.get("environment", "")), mode=mode,
                hold_s=max(0.0, float(raw.get("hold_s", DEFAULT_HOLD_S))),
                sticky=bool(raw.get("sticky", False)), fencing=int(raw.get("fencing", 0)), backends=entries,
                head_timeout_s=float(raw.get("head_timeout_s", DEFAULT_HEAD_TIMEOUT_S)),
                response_timeout_s=float(raw.get("response_timeout_s", DEFAULT_RESPONSE_TIMEOUT_S)),
                idle_timeout_s=float(raw.get("idle_timeout_s", DEFAULT_IDLE_TIMEOUT_S)),
            )
        except TableError as exc:
            raise TableError(f"invalid route entry {raw!r}: {exc}") from exc
        except (KeyError, TypeError, ValueError) as exc:
            raise TableError(f"invalid route entry {raw!r}: {exc}") from exc
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
