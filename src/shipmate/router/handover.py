"""Restart the router without closing its public ports.

The running daemon starts its successor (``python -m shipmate.router --takeover --inherit PORT:FD``)
with its own listening sockets: one socket, one accept queue, so no connection is refused or reset
(ports without an inherited socket are bound again with SO_REUSEPORT). The successor then asks
the old daemon to hand over: the old daemon stops accepting,
lets go of the lock at once and finishes the requests under way (answering them with
``Connection: close``); the successor takes the lock, re-reads the table and opens the control
socket. Clients see no refused connection; only idle keep-alive connections are closed.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterable

from shipmate.router.fingerprint import SALT_ENV
from shipmate.router.paths import RouterPaths
from shipmate.router.route_state import RouteState

log = logging.getLogger("shipmate.router")

HANDOVER_GRACE_S = 30.0     # the old daemon waits this long for its connections, then exits anyway
LOCK_WAIT_S = 10.0          # the successor gives up (and closes its listeners) after this


async def request_handover(paths: RouterPaths) -> int | None:
    """Ask the running daemon to hand over; its pid, or None when it did not agree."""
    try:
        reader, writer = await asyncio.open_unix_connection(str(paths.socket_path))
        try:
            writer.write(b'{"op": "handover"}\n')
            await writer.drain()
            reply = json.loads(await asyncio.wait_for(reader.readline(), 10.0))
        finally:
            writer.close()
    except (OSError, ValueError, TimeoutError) as exc:
        log.warning("handover request failed: %s", exc)
        return None
    return int(reply["pid"]) if isinstance(reply, dict) and reply.get("handed_over") else None


async def wait_for_lock(lock_fd: int, timeout: float = LOCK_WAIT_S) -> bool:
    """Take the daemon lock, polling: the old daemon releases it as soon as it handed over."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(0.02)


async def finish_then_stop(states: Iterable[RouteState], stopped: asyncio.Event,
                           grace: float = HANDOVER_GRACE_S) -> None:
    """The old daemon's last task: exit once its connections are done (or after the grace)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace
    pending = list(states)
    while any(state.connections for state in pending) and loop.time() < deadline:
        await asyncio.sleep(0.05)
    log.info("handed over; %d connections left at exit",
             sum(len(state.connections) for state in pending))
    stopped.set()


def spawn_successor(paths: RouterPaths, fds: dict[int, int]) -> int:
    """Start ``--takeover`` with our listening sockets passed down (the same descriptor numbers)."""
    inherit = ",".join(f"{port}:{fd}" for port, fd in sorted(fds.items()))
    argv = [sys.executable, "-m", "shipmate.router", "--home", str(paths.state_dir), "--takeover"]
    if inherit:
        argv += ["--inherit", inherit]
    # A successor runs the code on disk now: a test's stand-in for "older code" is not inherited.
    env = {k: v for k, v in os.environ.items() if k != SALT_ENV}
    with open(paths.log_file, "ab") as log_file:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log_file, stderr=log_file, env=env,
                                start_new_session=True, close_fds=True, pass_fds=tuple(fds.values()), cwd="/")
    return proc.pid


def parse_inherited(text: str | None) -> dict[int, int]:
    """``"8080:5,8081:6"`` -> {8080: 5, 8081: 6}."""
    out: dict[int, int] = {}
    for part in (text or "").split(","):
        if part.strip():
            port, _, fd = part.partition(":")
            out[int(port)] = int(fd)
    return out
