"""`python -m shipmate.router --home <state_dir>`: run the router daemon of one state dir.

Exits 0 at once when another daemon already holds router.lock for the same home, so
racing starters are harmless.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

from shipmate.router.daemon import RouterDaemon
from shipmate.router.paths import RouterPaths
from shipmate.router.table import TableError, load_table

EXIT_ALREADY_RUNNING = 0
EXIT_BAD_TABLE = 2


async def _serve(paths: RouterPaths) -> int:
    try:
        table = load_table(paths.routes_file)
    except TableError as exc:
        logging.getLogger("shipmate.router").error(
            "refusing to start: %s (fix or move the file aside; it is the only record of the routes)", exc
        )
        return EXIT_BAD_TABLE
    daemon = RouterDaemon(paths)
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
    args = parser.parse_args(argv)
    paths = RouterPaths.for_home(args.home)
    paths.router_dir.mkdir(parents=True, exist_ok=True)

    lock_fd = os.open(paths.lock_file, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return EXIT_ALREADY_RUNNING  # held for the daemon's whole life: one is running

    logging.basicConfig(
        filename=paths.log_file,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s pid=%(process)d %(message)s",
    )
    paths.pid_file.write_text(f"{os.getpid()}\n", encoding="utf-8")
    try:
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            return runner.run(_serve(paths))
    finally:
        paths.pid_file.unlink(missing_ok=True)
        os.close(lock_fd)


if __name__ == "__main__":
    sys.exit(main())
