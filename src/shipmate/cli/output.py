"""How the CLI speaks: one JSON object on stdout with --json, Rich text otherwise; errors mapped once.

Progress goes to stderr so `--json` stdout stays a single parseable object.
"""

from __future__ import annotations

import json
import os
import sys
import time
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
        result = action(lambda message, data: None) if as_json else _with_progress(action)
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


def _with_progress(action: Callable[[Progress], dict[str, Any]]) -> dict[str, Any]:
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        console = Console(stderr=True, soft_wrap=True)
        started = time.monotonic()

        def plain(message: str, data: dict[str, Any]) -> None:
            if message in {"monitoring", "waiting for health"}:
                return  # per-tick noise is only worth showing on a live spinner
            extra = " ".join(f"{k}={v}" for k, v in data.items() if k not in {"index", "of"})
            step = f"[{data['index']}/{data['of']}] " if "index" in data else ""
            console.print(f"{time.monotonic() - started:6.1f}s {step}{message} {extra}".rstrip(),
                          highlight=False, markup=False)

        return action(plain)
    with console.status("working…") as spinner:
        def live(message: str, data: dict[str, Any]) -> None:
            step = f"[{data['index']}/{data['of']}] " if "index" in data else ""
            extra = " ".join(f"{k}={v}" for k, v in data.items() if k not in {"index", "of"})
            spinner.update(f"{step}{message} {extra}".rstrip())
            if "index" in data:
                console.print(f"  {step}{message}", highlight=False, markup=False)

        return action(live)


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
