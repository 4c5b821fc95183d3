"""The command line face.

The `shipmate` script imports this package first: from then on an early Ctrl-C, SIGTERM or SIGHUP
(while the rest still imports) is noted rather than fatal, so it exits 130 like any interruption
that changed nothing, never 129/143 or -2 with a traceback. `run()` then installs the real handlers.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType

EARLY_SIGNALS: list[int] = []


def note_early_signal(signum: int, frame: FrameType | None) -> None:
    EARLY_SIGNALS.append(signum)


def _started_as_the_shipmate_script() -> bool:
    main = sys.modules.get("__main__")
    return os.path.basename(str(getattr(main, "__file__", "") or "")) == "shipmate"


if _started_as_the_shipmate_script():
    for _sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(_sig) is not signal.SIG_IGN:  # `nohup` keeps SIGHUP ignored
            signal.signal(_sig, note_early_signal)
