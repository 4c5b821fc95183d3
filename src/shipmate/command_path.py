"""Which executable a target command names, found the way exec will find it (stdlib only).

The process target refuses a release whose command is missing; `validate` only warns (the command may be
installed on the deploy host later), and must not load target code to say so.
"""

from __future__ import annotations

import os
import shutil

from shipmate.errors import PrerequisiteMissingError


def resolve_command(command: str, cwd: str, path_env: str | None) -> str:
    """The executable ``command`` names, as the pump's exec will find it; PrerequisiteMissingError if none."""
    if os.sep in command:
        candidate = command if os.path.isabs(command) else os.path.join(cwd, command)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    else:
        found = shutil.which(command, path=path_env)
        if found:
            return found
    raise PrerequisiteMissingError(f"command not found: {command}",
                                   hint="install it, or fix target.command in shipmate.yaml (a relative path is "
                                   f"taken from {cwd})")
