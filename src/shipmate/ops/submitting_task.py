"""inbox_submit: write a task into inbox/incoming/ the safe way (tmp/ then rename), for an agent without a shell.

The task is checked first with the same reader the processor uses, so a bad one is refused here (exit 2, every
problem with its pointer in the details) rather than landing in rejected/ later.
"""

from __future__ import annotations

import json
import re
from typing import Any

from shipmate.errors import InvalidInputError
from shipmate.ops.common.inbox_folder import InboxFolder, inbox_of
from shipmate.ops.common.workspace import Workspace
from shipmate.ops.results.inbox_results import SubmittedTask


def inbox_submit(spec_file: str | None, task: dict[str, Any] | str) -> SubmittedTask:
    """``task``: the task object (or its JSON text). Queued only: `inbox process` or `serve` acts on it."""
    from shipmate.spec.service_names import read_service_names
    from shipmate.spec.task_reading import read_task

    ws = Workspace.locate(spec_file)
    service, declared = read_service_names(ws.spec_path)
    text = task if isinstance(task, str) else json.dumps(task, indent=2, allow_nan=False)
    reading = read_task(text.encode("utf-8"), service=service, environments=declared or ["default"])
    if reading.task is None:
        first = reading.problems[0]
        err = InvalidInputError(f"task invalid at {first.pointer or '(document)'}: {first.message}"
                                + (f" (and {len(reading.problems) - 1} more)" if len(reading.problems) > 1 else ""),
                                hint=first.hint or "`shipmate schema inbox` prints the task schema")
        err.details = {"problems": [p.as_dict() for p in reading.problems]}
        raise err
    name = re.sub(r"[^A-Za-z0-9._-]", "_", reading.task.trace_id) + ".json"
    dest = InboxFolder(inbox_of(ws.spec_path)).submit(name, text if text.endswith("\n") else text + "\n")
    return SubmittedTask(f"incoming/{dest.name}", reading.task.trace_id)
