"""`shipmate report`: DORA keys and the other figures of a day, week or month, as Markdown, HTML or JSON."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from shipmate.cli.output import run_command
from shipmate.errors import InvalidInputError

File = Annotated[str | None, typer.Option("-f", "--file", help="Spec file (default ./shipmate.yaml).")]
Env = Annotated[str | None, typer.Option("-e", "--env", help="Environment (default: production when declared).")]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout, nothing else.")]


def report(file: File = None, env: Env = None,
           period: Annotated[str, typer.Option(help="day | week | month.")] = "week",
           since: Annotated[str | None, typer.Option(help="Start of the period (YYYY-MM-DD or an ISO time); "
                                                          "default: the period ending now.")] = None,
           fmt: Annotated[str, typer.Option("--format", help="md | html | json.")] = "md",
           compare: Annotated[bool, typer.Option(help="Show the previous period beside it.")] = False,
           output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to this file instead of "
                                                                              "stdout.")] = None,
           json_out: Json = False) -> None:
    """DORA keys (with their 2023 bands and the counts behind them), rollbacks, calibration, uptime, approvals."""
    from shipmate import ops

    def build(_: Any) -> Any:
        result = ops.report(file, period=period, since=since, environment=env, compare=compare, fmt=fmt)
        if output is not None:   # written here, so a bad path is an error like any other (exit 2)
            try:
                output.write_text(ops.redact(ops.render_report(result, fmt)) + "\n", encoding="utf-8")
            except OSError as exc:
                raise InvalidInputError(f"-o {output}: {exc.strerror or exc}",
                                        hint="write to a file in an existing, writable folder") from exc
        return result

    def show(result: Mapping[str, Any]) -> None:
        if output is not None:
            sys.stderr.write(f"wrote {output}\n")
        else:
            sys.stdout.write(ops.render_report(result, fmt) + "\n")

    if (json_out or fmt == "json") and output is None:
        run_command("report", True, build)      # one JSON object: {"ok": true, "command": "report", ...}
    else:
        run_command("report", False, build, show)
