"""inbox_process: one pass over inbox/ — resume active tasks, claim incoming ones, act on each once.

A task is claimed twice over: its file by an atomic rename (incoming/ -> active/), its trace id by a row in the
store (the idempotency key). A second file with a known trace id is a duplicate (completed/, no effect) or,
with a different payload, rejected at /trace_id. A task is an agent's request (identity inbox:<requested_by>):
a gated environment asks a person, and the task waits in active/ until a later pass finds the decision.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipmate.errors import ApprovalRequiredError, ShipmateError
from shipmate.ops.common.identity import inbox_identity
from shipmate.ops.common.inbox_folder import InboxFolder, inbox_of, read_json_file
from shipmate.ops.common.task_summary import rejection_files, result_files
from shipmate.ops.common.workspace import Workspace, actor
from shipmate.ops.results.inbox_results import InboxPass, TaskOutcome

if TYPE_CHECKING:
    from shipmate.spec.task_reading import TaskReading
    from shipmate.spec.task_spec import DeploymentTaskSpec
    from shipmate.store.store import Store


def inbox_process(spec_file: str | None, *, limit: int | None = None) -> InboxPass:
    """Handle what is in the inbox now (at most ``limit`` new tasks); tasks dropped meanwhile wait for the next."""
    from shipmate.spec.service_names import read_service_names

    ws = Workspace.locate(spec_file)
    service, declared = read_service_names(ws.spec_path)
    folder = InboxFolder(inbox_of(ws.spec_path))
    folder.ensure()
    run = _Pass(ws, folder, service, declared or ["default"])
    outcomes: list[TaskOutcome] = []
    store = ws.open_store()
    try:
        for path in folder.tasks("active"):       # a killed processor's task, or one waiting for a person
            outcomes += run.handle(store, path, resume=True)
        for path in folder.tasks("incoming")[:limit]:
            claimed = folder.claim(path)
            if claimed is not None:               # None: another process renamed it first
                outcomes += run.handle(store, claimed, resume=False)
    finally:
        store.close()
    return InboxPass(str(folder.root), tuple(outcomes), folder.counts())


def task_digest(data: dict[str, Any]) -> str:
    """The payload's identity (key order and whitespace do not count): same trace id + other digest = conflict."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


class _Pass:
    def __init__(self, ws: Workspace, folder: InboxFolder, service: str, environments: list[str]) -> None:
        self.ws, self.folder, self.service, self.environments = ws, folder, service, environments

    def handle(self, store: Store, path: Path, *, resume: bool) -> list[TaskOutcome]:
        from shipmate.spec.task_reading import read_task
        from shipmate.store.owners import this_process_owner

        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return []                                 # finished by another process meanwhile
        reading = read_task(raw, service=self.service, environments=self.environments)
        if reading.task is None:
            return [self._reject(path, [p.as_dict() for p in reading.problems], store)]
        task = reading.task
        digest = task_digest(reading.data or {})
        row, mine = store.claim_inbox_task(
            trace_id=task.trace_id, service=self.service, environment=task.environment, digest=digest,
            file_name=path.name, owner=this_process_owner("inbox process", actor()), resume=resume)
        if mine:
            return [self._act(store, path, task, reading)]
        if row.file_name == path.name and not row.finished:
            return []                                 # this very file is another live process's work
        if row.file_name == path.name and resume:     # killed after the store knew the end, before the move
            return [self._place(path, row.state, dict(row.result or {}))]
        if row.digest != digest:
            from shipmate.spec.task_reading import Problem

            problem = Problem("/trace_id", f"trace id '{task.trace_id}' is already used by a different task "
                                           f"({row.file_name}, {row.state})",
                              "a trace id names one request: give a new task a new trace id")
            return [self._reject(path, [problem.as_dict()], store)]
        result = {**self._base(task, reading), "status": "duplicate", "duplicate_of": row.file_name,
                  "original_state": row.state, "deployment_id": row.deployment_id, "duration_s": 0.0,
                  "message": f"trace id {task.trace_id} was handled already ({row.file_name}: {row.state}); "
                             "nothing done"}
        return [self._place(path, "completed", result)]

    def _base(self, task: DeploymentTaskSpec, reading: TaskReading) -> dict[str, Any]:
        return {"trace_id": task.trace_id, "category": task.category, "environment": task.environment,
                "version": task.version, "requested_by": task.requested_by, "urgency": task.urgency,
                "ignored_fields": reading.ignored}

    def _act(self, store: Store, path: Path, task: DeploymentTaskSpec, reading: TaskReading) -> TaskOutcome:
        started = time.monotonic()
        result = {**self._base(task, reading), **self._run(task)}
        result["duration_s"] = round(time.monotonic() - started, 3)
        state = result["status"] if result["status"] in ("completed", "failed") else "waiting"
        stored = store.finish_inbox_task(task.trace_id, state=state, deployment_id=result.get("deployment_id"),
                                         approval_id=result.get("approval_id"), result=result,
                                         actor=inbox_identity(task.requested_by).actor)
        if stored is None:   # our claim was taken over (we were thought dead): the new owner finishes it
            return TaskOutcome(self._rel(path), "skipped", task.trace_id, message="claim taken over meanwhile")
        if state == "waiting":
            return TaskOutcome(self._rel(path), "waiting", task.trace_id, approval_id=result.get("approval_id"),
                               duration_s=result["duration_s"], message=result.get("message", ""))
        return self._place(path, state, result)

    def _run(self, task: DeploymentTaskSpec) -> dict[str, Any]:
        """The task's operation through the same ops as every face; errors become the result, never escape."""
        from shipmate.ops.deploying import deploy
        from shipmate.ops.rolling_back import rollback

        spec, who = str(self.ws.spec_path), inbox_identity(task.requested_by)
        done: Mapping[str, Any]
        try:
            if task.category == "rollback":
                done = rollback(spec, environment=task.environment, to_version=task.version, identity=who,
                                wait_approval=False, trace_id=task.trace_id)
            else:
                done = deploy(spec, environment=task.environment, version=task.version, identity=who,
                              wait_approval=False, trace_id=task.trace_id, dry_run=task.category == "dry-run")
        except ApprovalRequiredError as exc:
            details = exc.details or {}
            if type(exc) is ApprovalRequiredError and details.get("state") == "pending":
                return {"status": "waiting", "approval_id": details.get("approval_id"), "message": exc.message,
                        "error": exc.to_dict()}
            return {"status": "failed", "approval_id": details.get("approval_id"), "error": exc.to_dict()}
        except ShipmateError as exc:
            details = exc.details or {}
            return {"status": "failed", "deployment_id": details.get("deployment_id"), "error": exc.to_dict()}
        out: dict[str, Any] = {"status": "completed", "deployment_id": done.get("deployment_id"),
                               "state": done.get("state") or ("noop" if done.get("noop") else None),
                               "noop": bool(done.get("noop")), "dry_run": bool(done.get("dry_run")),
                               "version": done.get("version") or task.version}
        if task.category == "dry-run":
            out["plan"] = done.get("plan")
            return out
        return {**out, **self._verify(task, done)}

    def _verify(self, task: DeploymentTaskSpec, done: Mapping[str, Any]) -> dict[str, Any]:
        """The task's checks on what runs now; a failure (or a rollback condition met) rolls back."""
        from shipmate.ops.common.releases import config_from
        from shipmate.ops.common.spec_loading import load_spec
        from shipmate.ops.rolling_back import rollback
        from shipmate.ops.verifying_task import verify

        if not task.verification and task.rollback_conditions is None:
            return {}
        config = config_from(load_spec(self.ws.spec_path, environment=task.environment,
                                       version_override=task.version))
        outcome = verify(str(self.ws.spec_path), config, task, done)
        out: dict[str, Any] = {"verification": outcome.results}
        if outcome.passed:
            return out
        out.update(status="failed", error={"code": "verification_failed", "message": outcome.rollback_reason,
                                           "exit_code": 1, "hint": "the previous release was put back"})
        if task.category != "deployment" or done.get("noop"):
            out["error"]["hint"] = "nothing was rolled back: the task did not change what runs"
            return out
        try:
            back = rollback(str(self.ws.spec_path), environment=task.environment,
                            identity=inbox_identity(task.requested_by), wait_approval=False, trace_id=task.trace_id)
            out["rollback_deployment_id"] = back.get("deployment_id")
        except ShipmateError as exc:
            out["rollback_error"] = exc.to_dict()
            out["error"]["hint"] = f"the rollback did not happen: {exc.message}"
        return out

    def _reject(self, path: Path, problems: list[dict[str, Any]], store: Store) -> TaskOutcome:
        dest = self.folder.finish(path, "rejected", rejection_files(path.name, problems))
        first = problems[0] if problems else {}
        store.append_event(event_type="inbox.rejected", service=self.service, environment=self.environments[0],
                           version=None, status="rejected", notes=self._rel(dest), deployed_by="inbox",
                           errors=[f"{p['pointer'] or '(document)'}: {p['message']}" for p in problems[:20]],
                           data={"file": self._rel(dest), "problems": len(problems)})
        return TaskOutcome(self._rel(dest), "rejected", message=f"{len(problems)} problem(s); first: "
                           f"{first.get('pointer') or '(document)'}: {first.get('message', '')}")

    def _place(self, path: Path, folder: str, result: dict[str, Any]) -> TaskOutcome:
        result = {**result, "file": path.name, "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        dest = self.folder.finish(path, folder, result_files(result))
        error = result.get("error")
        return TaskOutcome(self._rel(dest), str(result.get("status", folder)), result.get("trace_id"),
                           result.get("deployment_id"), result.get("approval_id"), result.get("duration_s"),
                           str(result.get("message") or (error.get("message") if isinstance(error, dict) else "")))

    def _rel(self, path: Path) -> str:
        return str(path.relative_to(self.folder.root))


def read_result(path: Path) -> dict[str, Any] | None:
    """A finished task's result (for status): <name>.result.json beside it."""
    return read_json_file(path.with_name(path.stem + ".result.json"))

