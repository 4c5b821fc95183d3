"""How the CLI speaks: one JSON object on stdout with --json, Rich text otherwise; errors mapped once.

Progress goes to stderr so `--json` stdout stays a single parseable object.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import Any

import typer

from shipmate.errors import ShipmateError

Renderer = Callable[[dict[str, Any]], None]
Progress = Callable[[str, dict[str, Any]], None]


def run_command(command: str, as_json: bool, action: Callable[[Progress], dict[str, Any]],
                render: Renderer | None = None) -> None:
    """Run one ops call and print its result; exit with the error's documented code on failure."""
    try:
        result = _with_progress(action, as_json)
    except ShipmateError as exc:
        _fail(command, as_json, exc)
    except KeyboardInterrupt:
        _fail(command, as_json, ShipmateError("interrupted", hint="run `shipmate status` to see where it stopped"))
    except Exception as exc:  # a bug of ours: one line, never a traceback with locals (secrets)
        if os.environ.get("SHIPMATE_DEBUG"):
            raise
        err = ShipmateError(f"internal error: {type(exc).__name__}: {exc}",
                            hint="rerun with SHIPMATE_DEBUG=1 for the traceback, and report it")
        _fail(command, as_json, err)
    if as_json:
        sys.stdout.write(json.dumps({"ok": True, "command": command, **result}, default=str) + "\n")
    elif render is not None:
        render(result)


def _with_progress(action: Callable[[Progress], dict[str, Any]], as_json: bool) -> dict[str, Any]:
    from shipmate.cli.progress import LiveProgress, PlainProgress

    if as_json or not sys.stderr.isatty():
        with PlainProgress(sys.stderr) as plain:
            return action(plain.report)
    from rich.console import Console

    console = Console(stderr=True)
    with console.status("working…") as spinner, LiveProgress(console, spinner) as live:
        return action(live.report)


def _fail(command: str, as_json: bool, exc: ShipmateError) -> None:
    if as_json:
        sys.stdout.write(json.dumps({"ok": False, "command": command, "error": exc.to_dict()}, default=str) + "\n")
    else:
        from rich.console import Console

        console = Console(stderr=True, highlight=False, soft_wrap=True)
        console.print(f"[bold red]error:[/] {_escape(exc.message)}")
        if exc.hint:
            console.print(f"[dim]hint:[/] {_escape(exc.hint)}")
    raise typer.Exit(exc.exit_code)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
