"""How the CLI speaks: one JSON object on stdout with --json, Rich text otherwise; errors mapped once.

Progress goes to stderr so `--json` stdout stays a single parseable object.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Callable, Mapping
from types import FrameType
from typing import Any, NoReturn

import typer

from shipmate.cli.terminal import detach_output
from shipmate.errors import CommandInterruptedError, ShipmateError
from shipmate.ops import as_json as json_object
from shipmate.ops import redact, redact_tree

EXIT_INTERRUPTED = CommandInterruptedError.exit_code

Renderer = Callable[[dict[str, Any]], None]
Progress = Callable[[str, dict[str, Any]], None]


def run_command(command: str, as_json: bool, action: Callable[[Progress], Mapping[str, Any]],
                render: Renderer | None = None) -> None:
    """Run one ops call and print its result; exit with the error's documented code on failure."""
    try:
        result = _with_progress(action, as_json)
    except ShipmateError as exc:
        fail(command, as_json, exc)
    except KeyboardInterrupt as exc:
        # Only outside a deployment's steps (the engine turns those into rolled back, or kept if promoted).
        by = exc.args[0] if exc.args else "SIGINT (Ctrl-C)"
        fail(command, as_json, CommandInterruptedError(f"interrupted by {by}",
                                                       hint="run `shipmate status` to see where it stopped"))
    except Exception as exc:  # a bug of ours: one line, never a traceback with locals (secrets)
        if os.environ.get("SHIPMATE_DEBUG"):
            raise
        err = ShipmateError(f"internal error: {type(exc).__name__}: {exc}",
                            hint="rerun with SHIPMATE_DEBUG=1 for the traceback, and report it")
        fail(command, as_json, err)
    result = redact_tree(json_object(result))   # the CLI's one way out: known secret values become ***
    try:
        if as_json:
            sys.stdout.write(redact(json.dumps({"ok": True, "command": command, **result}, default=str)) + "\n")
        elif render is not None:
            render(result)
        sys.stdout.flush()
    except OSError:
        detach_output()  # the terminal or pipe is gone (SIGHUP): the work is done, its exit code still counts


def raise_interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGTERM and SIGHUP (a closed terminal or ssh session) get exactly what Ctrl-C gets."""
    raise KeyboardInterrupt(signal.Signals(signum).name)


def treat_signals_like_ctrl_c() -> None:
    """SIGTERM and SIGHUP raise KeyboardInterrupt like SIGINT; a signal noted while importing is raised now."""
    from shipmate.cli import EARLY_SIGNALS, note_early_signal

    if signal.getsignal(signal.SIGINT) is note_early_signal:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) in (signal.SIG_DFL, note_early_signal):  # `nohup` keeps SIGHUP ignored
            signal.signal(sig, raise_interrupt)
    if EARLY_SIGNALS:
        raise KeyboardInterrupt(signal.Signals(EARLY_SIGNALS[0]).name)


def _with_progress(action: Callable[[Progress], Mapping[str, Any]], as_json: bool) -> Mapping[str, Any]:
    from shipmate.cli.progress import LiveProgress, PlainProgress

    if as_json or not sys.stderr.isatty():
        with PlainProgress(sys.stderr) as plain:
            return action(_redacting(plain.report))
    from rich.console import Console

    console = Console(stderr=True)
    with console.status("working…") as spinner, LiveProgress(console, spinner) as live:
        return action(_redacting(live.report))


def _redacting(report: Progress) -> Progress:
    def filtered(event: str, data: dict[str, Any]) -> None:
        report(redact(event), redact_tree(data))
    return filtered


def fail(command: str, as_json: bool, exc: ShipmateError) -> NoReturn:
    """Print the error (redacted) as text or one JSON object, then exit with its documented code."""
    exc.message, exc.hint, exc.details = redact(exc.message), exc.hint and redact(exc.hint), redact_tree(exc.details)
    try:
        if as_json:
            sys.stdout.write(json.dumps({"ok": False, "command": command, "error": exc.to_dict()},
                                        default=str) + "\n")
            sys.stdout.flush()
        else:
            from rich.console import Console

            console = Console(stderr=True, highlight=False, soft_wrap=True)
            for line in _known_fix_lines(exc.details.get("known_fixes")):   # what to try comes first
                console.print(line, markup=False)
            console.print(f"[bold red]error:[/] {_escape(exc.message)}")
            if exc.hint:
                console.print(f"[dim]hint:[/] {_escape(exc.hint)}")
    except OSError:
        detach_output()
    raise typer.Exit(exc.exit_code)


def _known_fix_lines(fixes: Any) -> list[str]:
    if not fixes:
        return []
    from shipmate.cli.fix_text import fix_lines

    return fix_lines(list(fixes))


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
