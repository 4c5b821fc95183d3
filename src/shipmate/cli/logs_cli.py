"""`shipmate logs [--follow]`: the last lines of the serving instances' logs, then (with --follow) every new one."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from shipmate.cli import render
from shipmate.cli.output import fail, run_command
from shipmate.cli.terminal import detach_output
from shipmate.errors import ShipmateError

File = Annotated[str | None, typer.Option("-f", "--file", help="Spec file (default ./shipmate.yaml).")]
Env = Annotated[str | None, typer.Option("-e", "--env", help="Environment (default: the first declared).")]
Lines = Annotated[int, typer.Option("-n", "--lines", min=1, max=100000)]
Deployment = Annotated[str | None, typer.Option(help="Instances of this deployment.")]
Follow = Annotated[bool, typer.Option("--follow", "-F", help="Keep printing new lines until Ctrl-C (exit 0), "
                                      "across log rotations and into the next deploy's instances.")]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout (with --follow: one per "
                                    "line, JSON Lines).")]


def logs(file: File = None, env: Env = None, lines: Lines = 100, deployment: Deployment = None,
         follow: Follow = False, json_out: Json = False) -> None:
    """The last lines of the current instances' logs; --follow keeps printing new ones."""
    from shipmate import ops

    if not follow:
        run_command("logs", json_out, lambda p: ops.logs(file, environment=env, lines=lines,
                                                            deployment_id=deployment), render.logs)
        return
    printer = _LinePrinter(json_out)
    try:
        ops.follow_logs(file, environment=env, lines=lines, deployment_id=deployment, emit=printer.emit)
    except KeyboardInterrupt:
        return          # Ctrl-C (or SIGTERM) is how following ends: nothing went wrong
    except ShipmateError as exc:
        fail("logs", json_out, exc)
    except OSError:
        detach_output()  # the reader of a pipe went away (`| head`): stop quietly


class _LinePrinter:
    """Prints each line as it comes; a `==> instance <==` header whenever the instance changes (as tail -f)."""

    def __init__(self, as_json: bool) -> None:
        from shipmate import ops

        self.as_json = as_json
        self.last: str | None = None
        self.redact = ops.redact   # every value a secret holds becomes ***, as in every other output

    def emit(self, instance_id: str, line: str) -> None:
        text = self.redact(line.rstrip("\n"))
        if self.as_json:
            sys.stdout.write(json.dumps({"instance_id": instance_id, "line": text}) + "\n")
        else:
            if instance_id != self.last:
                sys.stdout.write(f"==> {instance_id} <==\n")
            sys.stdout.write(text + "\n")
        self.last = instance_id
        sys.stdout.flush()
