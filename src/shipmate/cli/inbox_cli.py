"""`shipmate inbox process|status|watch|submit`: thin commands over the shipmate.ops inbox operations."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Annotated, Any

import typer

from shipmate.cli.output import Progress, run_command

inbox_app = typer.Typer(help="Deployment tasks as files: inbox/incoming -> active -> completed|failed|rejected.",
                        no_args_is_help=True)

File = Annotated[str | None, typer.Option("-f", "--file", help="Spec file (default ./shipmate.yaml).")]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout, nothing else.")]


@inbox_app.command("process")
def process(file: File = None, limit: Annotated[int | None, typer.Option(min=1, help="At most this many new "
                                                                          "tasks.")] = None,
            json_out: Json = False) -> None:
    """One pass: resume active tasks, claim and act on each incoming one; exit 0 even when a task failed."""
    from shipmate import ops

    run_command("inbox process", json_out, lambda p: ops.inbox_process(file, limit=limit).to_json(), _render_pass)


@inbox_app.command("status")
def status(file: File = None, json_out: Json = False) -> None:
    """Tasks per folder, the active ones with their claim, the latest finished ones."""
    from shipmate import ops

    run_command("inbox status", json_out, lambda p: ops.inbox_status(file).to_json(), _render_status)


@inbox_app.command("submit")
def submit(task: Annotated[Path, typer.Argument(metavar="TASK.json", help="A task file (`-` for stdin).")],
           file: File = None, json_out: Json = False) -> None:
    """Check a task, then queue it safely (written in inbox/tmp/, renamed into incoming/)."""
    from shipmate import ops

    def act(p: Progress) -> dict[str, Any]:
        from shipmate.errors import InvalidInputError

        try:
            text = sys.stdin.read() if str(task) == "-" else task.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInputError(f"cannot read {task}: {exc}", hint="give a readable UTF-8 JSON file") from exc
        return ops.inbox_submit(file, text).to_json()
    run_command("inbox submit", json_out, act, _render_submitted)


def _render_submitted(result: dict[str, Any]) -> None:
    sys.stdout.write(f"queued {result['file']} ({result['trace_id']})\n")


@inbox_app.command("watch")
def watch(files: Annotated[list[str] | None, typer.Option("-f", "--file", help="Spec file; repeat for several "
                                                           "(default ./shipmate.yaml).")] = None,
          interval: Annotated[float, typer.Option(min=0.05, max=60, help="Seconds between looks.")] = 1.0) -> None:
    """Run a pass whenever a task arrives, until Ctrl-C (`shipmate serve` does the same)."""
    from shipmate import ops

    def report(inbox: str, result: Any, error: Any) -> None:
        if error is not None:
            sys.stderr.write(f"inbox {inbox}: {error.message} (hint: {error.hint})\n")
            return
        for task in result.to_json()["tasks"]:
            sys.stdout.write(_task_line(task) + "\n")
        sys.stdout.flush()

    def act(p: Progress) -> dict[str, Any]:
        sys.stderr.write("watching " + ", ".join(files or ["shipmate.yaml"]) + " (Ctrl-C stops)\n")
        passes = ops.inbox_watch(files or [None], stop=threading.Event(), interval_s=interval, on_pass=report)
        return {"passes": passes}
    run_command("inbox watch", False, act, None)


def _task_line(task: dict[str, Any]) -> str:
    line = f"{task['status']:<9} {task['file']}"
    if task.get("deployment_id"):
        line += f"  deployment {task['deployment_id']}"
    if task.get("approval_id"):
        line += f"  approval {task['approval_id']}"
    if task.get("message"):
        line += f"  {task['message']}"
    return line


def _render_pass(result: dict[str, Any]) -> None:
    for task in result["tasks"]:
        sys.stdout.write(_task_line(task) + "\n")
    counts = ", ".join(f"{k} {v}" for k, v in result["by_status"].items()) or "nothing to do"
    sys.stdout.write(f"inbox {result['inbox']}: {counts}\n")


def _render_status(result: dict[str, Any]) -> None:
    folders = "  ".join(f"{name} {count}" for name, count in result["folders"].items())
    sys.stdout.write(f"inbox {result['inbox']}\n  {folders}\n")
    for task in result["active"]:
        sys.stdout.write(f"  active   {task['file']}  {task['state']}"
                         + (f"  approval {task['approval_id']}" if task.get("approval_id") else "") + "\n")
    for task in result["recent"]:
        sys.stdout.write(f"  {task['status']:<9} {task['file']}"
                         + (f"  deployment {task['deployment_id']}" if task.get("deployment_id") else "") + "\n")
