"""`python -m shipmate.router --home <state_dir> [--takeover]`: run the router daemon of one state dir.

Exits 0 at once when another daemon already holds router.lock for the same home, so
racing starters are harmless. With --takeover it replaces that daemon without closing
the public ports (see handover.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import logging
import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path

from shipmate.router.daemon import RouterDaemon
from shipmate.router.handover import parse_inherited, request_handover, wait_for_lock
from shipmate.router.paths import RouterPaths
from shipmate.router.table import Route, TableError, load_table

EXIT_ALREADY_RUNNING = 0
EXIT_BAD_TABLE = 2
EXIT_TAKEOVER_FAILED = 3


def _load(paths: RouterPaths) -> dict[int, Route] | None:
    try:
        return load_table(paths.routes_file)
    except TableError as exc:
        logging.getLogger("shipmate.router").error(
            "refusing to start: %s (fix or move the file aside; it is the only record of the routes)", exc
        )
        return None


async def _serve(paths: RouterPaths, lock_fd: int, takeover: bool, inherited: dict[int, int]) -> int:
    table = _load(paths)
    if table is None:
        return EXIT_BAD_TABLE
    daemon = RouterDaemon(paths)
    daemon.release_lock = lambda: fcntl.flock(lock_fd, fcntl.LOCK_UN)
    if takeover:
        sockets = {port: socket.socket(fileno=fd) for port, fd in inherited.items()}
        await daemon.bind_routes(table, probe=False, inherited=sockets)  # both daemons accept now
        old = await request_handover(paths)
        if old is None or not await wait_for_lock(lock_fd):
            logging.getLogger("shipmate.router").error("takeover failed: the running daemon kept the lock")
            daemon.handed_over = True  # the socket path is still the running daemon's
            await daemon.close()
            return EXIT_TAKEOVER_FAILED
        daemon.handed_over = False
        table = _load(paths)  # the old daemon may have saved a change before it handed over
        if table is None:
            return EXIT_BAD_TABLE
    paths.pid_file.write_text(f"{os.getpid()}\n", encoding="utf-8")
    try:
        await daemon.start(table)
        await daemon.stopped.wait()
    finally:
        await daemon.close()
    logging.getLogger("shipmate.router").info("router pid %d stopped", os.getpid())
    return 0


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop where it is installed: it roughly doubles the proxy's throughput over asyncio's loop."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shipmate.router")
    parser.add_argument("--home", required=True, type=Path, help="shipmate state dir (e.g. .shipmate)")
    parser.add_argument("--takeover", action="store_true",
                        help="replace the running daemon without closing the public ports")
    parser.add_argument("--inherit", default=None,
                        help="PORT:FD,...: listening sockets passed down by the daemon being replaced")
    args = parser.parse_args(argv)
    paths = RouterPaths.for_home(args.home)
    paths.router_dir.mkdir(parents=True, exist_ok=True)

    lock_fd = os.open(paths.lock_file, os.O_RDWR | os.O_CREAT, 0o600)
    takeover = False
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        if not args.takeover:
            return EXIT_ALREADY_RUNNING  # held for the daemon's whole life: one is running
        takeover = True

    logging.basicConfig(
        filename=paths.log_file,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s pid=%(process)d %(message)s",
    )
    try:
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            return runner.run(_serve(paths, lock_fd, takeover, parse_inherited(args.inherit)))
    finally:
        with contextlib.suppress(OSError, ValueError):
            if int(paths.pid_file.read_text(encoding="utf-8")) == os.getpid():  # else a successor's
                paths.pid_file.unlink()
        os.close(lock_fd)


if __name__ == "__main__":
    sys.exit(main())
