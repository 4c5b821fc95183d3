"""serve's inbox: each watched spec's inbox/ is looked at once a second (a scandir: polling works on every
filesystem) and a task found is run by `shipmate inbox process -f SPEC` as a bounded child process, as an
automatic rollback is (the deploy it runs sets signal handlers, which only a main thread may). A thread of its
own, so a deploy from the inbox never holds up a restart."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from shipmate.bounded_run import run_bounded
from shipmate.ops.common.background import in_background
from shipmate.ops.common.inbox_folder import InboxFolder, inbox_of

log = logging.getLogger("shipmate.serve")
INTERVAL_S = 1.0
RESUME_EVERY_S = 5.0      # an active task (waiting for a person, or a killed pass's) is looked at again this often
PASS_TIMEOUT_S = 3600.0   # one pass deploys at most a few tasks; a pass that hangs longer is killed


def _pass(spec: Path) -> None:
    argv = [sys.executable, "-m", "shipmate", "inbox", "process", "-f", str(spec), "--json"]
    done = run_bounded(argv, cwd=None, env={**os.environ}, timeout=PASS_TIMEOUT_S)
    said = done.output.decode(errors="replace").strip()[-300:]
    if done.returncode == 0:
        log.info("%s: inbox pass done: %s", spec, said)
    else:
        log.warning("%s: inbox pass ended with %s: %s", spec,
                    done.returncode if done.returncode is not None else done.start_error or "a timeout", said)


def _watch(specs: list[Path], stop: threading.Event) -> None:
    folders = [(spec, InboxFolder(inbox_of(spec))) for spec in specs]
    last_resume: dict[Path, float] = {}
    while not stop.is_set():
        for spec, folder in folders:
            now = time.monotonic()
            waiting = bool(folder.tasks("active")) and now - last_resume.get(spec, 0.0) >= RESUME_EVERY_S
            if stop.is_set() or not (folder.tasks("incoming") or waiting):
                continue
            last_resume[spec] = now
            _pass(spec)
        stop.wait(INTERVAL_S)


@contextlib.contextmanager
def inbox_runner(specs: list[Path]) -> Iterator[None]:
    """Process the inboxes of ``specs`` while the block runs; a pass still running at the end is left to finish
    in its own process (the inbox's claim makes a second pass act exactly once)."""
    watched = sorted(set(specs))
    with in_background(lambda stop: _watch(watched, stop), name="serve-inbox"):
        yield
