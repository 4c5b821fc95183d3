"""Named places where a test can make shipmate die as if the machine lost power.

SHIPMATE_CRASHPOINT=NAME kills this process with SIGKILL at that place:
  snapshot:filled   a process release's snapshot has its files, not its build nor its seal (not recorded)
  snapshot:built    its build ran, its seal is not written (a folder without a seal is no release's files)
  state:planned     right after the deployment row is created
  state:running     after that state commits
  instance:started  between starting a process and recording it
  step:N            after step N's intent row, before its action
  step:N:done       after step N's action, before its result row
  rollback:1        inside the rollback path
  files:intent      a files switch wrote its intent manifest, no file yet
  files:half        a files switch wrote half its files
The next command must reconcile.
"""

from __future__ import annotations

import os
import signal

ENV = "SHIPMATE_CRASHPOINT"


def hit(name: str) -> None:
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


SNAPSHOT_POINTS = ["snapshot:filled", "snapshot:built"]


def names_for(step_count: int, *, snapshot: bool = False) -> list[str]:
    """Every named crash point a plan of ``step_count`` steps passes through, in order (``snapshot``: a process
    release written as a new snapshot first)."""
    names = [*(SNAPSHOT_POINTS if snapshot else []), "state:planned", "state:running", "instance:started"]
    for i in range(1, step_count + 1):
        names += [f"step:{i}", f"step:{i}:done"]
    return names
