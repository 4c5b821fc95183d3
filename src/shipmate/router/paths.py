"""Where the router of one state dir keeps its files and its control socket.

The control socket lives outside the state dir because AF_UNIX paths are limited to
108 bytes and a project can sit arbitrarily deep; a hash of the state dir keeps one
socket per home without collisions.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

RUNTIME_DIR_ENV = "SHIPMATE_RUNTIME_DIR"


def runtime_dir() -> Path:
    """$SHIPMATE_RUNTIME_DIR, else $XDG_RUNTIME_DIR/shipmate, else /tmp/shipmate-<uid> (not created)."""
    explicit = os.environ.get(RUNTIME_DIR_ENV)
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg:
        return Path(xdg) / "shipmate"
    return Path(f"/tmp/shipmate-{os.getuid()}")


def ensure_runtime_dir() -> Path:
    """Create the runtime dir private to this user (0700): other users must not reach the socket."""
    path = runtime_dir()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_uid == os.getuid():
        path.chmod(0o700)
    return path


def home_key(state_dir: Path) -> str:
    """First 16 hex digits of sha256 of the absolute state dir: stable, short, per home."""
    absolute = os.path.abspath(os.fspath(state_dir))
    return hashlib.sha256(absolute.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class RouterPaths:
    """All files of the router serving one state dir."""

    state_dir: Path
    router_dir: Path
    routes_file: Path
    pid_file: Path
    log_file: Path
    lock_file: Path
    socket_path: Path

    @classmethod
    def for_home(cls, state_dir: Path) -> RouterPaths:
        home = Path(os.path.abspath(os.fspath(state_dir)))
        router_dir = home / "router"
        return cls(
            state_dir=home,
            router_dir=router_dir,
            routes_file=router_dir / "routes.json",
            pid_file=router_dir / "router.pid",
            log_file=router_dir / "router.log",
            lock_file=router_dir / "router.lock",
            socket_path=runtime_dir() / f"router-{home_key(home)}.sock",
        )
