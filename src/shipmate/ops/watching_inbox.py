"""inbox_watch: run inbox passes whenever a task arrives, until stopped (`shipmate inbox watch`; serve's hook).

Change detection is a pure-stdlib polling loop (a scandir of incoming/ every ``interval_s``): watchfiles is not
among our dependencies, and inotify misses changes made on network and bind mounts anyway, so polling is the
part that must work everywhere. Active tasks (one waiting for a person, one a killed processor left) are looked
at again every ``resume_every_s``. A failing pass is reported and the loop goes on: one bad spec never stops
the others.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from shipmate.errors import ShipmateError
from shipmate.ops.common.inbox_folder import InboxFolder, inbox_of
from shipmate.ops.common.workspace import Workspace
from shipmate.ops.processing_inbox import inbox_process
from shipmate.ops.results.inbox_results import InboxPass

OnPass = Callable[[str, InboxPass | None, ShipmateError | None], None]


def inbox_watch(spec_files: Sequence[str | None], *, stop: threading.Event | None = None,
                interval_s: float = 1.0, resume_every_s: float = 5.0, on_pass: OnPass | None = None,
                max_passes: int | None = None) -> int:
    """Returns the number of passes run (when ``stop`` is set or ``max_passes`` is reached)."""
    stop = stop or threading.Event()
    folders = [(spec, InboxFolder(inbox_of(Workspace.locate(spec).spec_path))) for spec in spec_files]
    last_resume: dict[str, float] = {}
    passes = 0
    while not stop.is_set() and (max_passes is None or passes < max_passes):
        for spec, folder in folders:
            key = str(folder.root)
            now = time.monotonic()
            waiting = bool(folder.tasks("active")) and now - last_resume.get(key, 0.0) >= resume_every_s
            if not folder.tasks("incoming") and not waiting:
                continue
            last_resume[key] = now
            passes += 1
            try:
                result = inbox_process(spec)
            except ShipmateError as exc:
                if on_pass is not None:
                    on_pass(key, None, exc)
                continue
            if on_pass is not None:
                on_pass(key, result, None)
        stop.wait(interval_s)
    return passes
