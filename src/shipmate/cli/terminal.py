"""When the terminal or pipe is gone (SIGHUP, a closed pipe): the work goes on, quietly."""

from __future__ import annotations

import contextlib
import os


def detach_output() -> None:
    """Point stdout and stderr at /dev/null, so that exiting does not fail on a flush (exit 120)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for fd in (1, 2):
        with contextlib.suppress(OSError):
            os.dup2(devnull, fd)
    os.close(devnull)
