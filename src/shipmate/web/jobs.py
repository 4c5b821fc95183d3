"""Long operations (deploy, rollback, promote) on worker threads, so the API stays responsive.

A call starts the operation with a fresh trace id and answers 202 with the deployment id as soon as the
deployment's row exists; an operation that ends before that (refused by a gate, nothing to change, bad input)
answers at once with its own result or error. `cancel` is Ctrl-C for that thread (ops.Cancellation): before
promote the engine rolls back; after it, it keeps the release and cuts the cleanup short.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shipmate import ops
from shipmate.errors import InvalidInputError

Action = Callable[[Callable[[str, dict[str, Any]], None]], Mapping[str, Any]]   # progress -> result
_STARTED_WITHIN = 60.0   # the first steps (locks, gates, snapshot) take well under this


@dataclass
class Job:
    trace_id: str
    ref: ops.ServiceRef
    cancellation: ops.Cancellation
    done: threading.Event = field(default_factory=threading.Event)
    result: Mapping[str, Any] | None = None
    error: BaseException | None = None
    deployment_id: str | None = None


class Jobs:
    def __init__(self) -> None:
        self._by_deployment: dict[str, Job] = {}
        self._lock = threading.Lock()

    def start(self, ref: ops.ServiceRef, actor: str, action: Action) -> Job:
        """Run ``action`` on its own thread as ``actor``; return once its deployment exists or it has ended."""
        job = Job("web-" + secrets.token_hex(8), ref, ops.Cancellation(by="HTTP cancel"))

        def progress(event: str, data: dict[str, Any]) -> None:
            job.cancellation.checkpoint(event)

        def work() -> None:
            try:
                with ops.acting_as(actor, job.trace_id):
                    job.result = action(progress)
            except BaseException as exc:  # handed to whoever asks about the job
                job.error = exc
            finally:
                job.done.set()

        threading.Thread(target=work, name=f"web-job-{job.trace_id}", daemon=True).start()
        deadline = time.monotonic() + _STARTED_WITHIN
        while not job.done.wait(0.05) and time.monotonic() < deadline:
            job.deployment_id = ops.deployment_of_trace(ref, job.trace_id)
            if job.deployment_id is not None:
                with self._lock:
                    self._by_deployment[job.deployment_id] = job
                return job
        return job

    def cancel(self, deployment_id: str) -> Job:
        with self._lock:
            job = self._by_deployment.get(deployment_id)
        if job is None or job.done.is_set():
            raise InvalidInputError(f"deployment {deployment_id[:40]} is not running in this serve",
                                    hint="only a deployment this server started and that is still running can be "
                                         "cancelled here; `shipmate status` shows where it stands")
        job.cancellation.requested.set()
        return job
