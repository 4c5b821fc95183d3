"""`shipmate serve`: the long-running supervisor (foreground, logs to stderr), or its systemd unit."""

from __future__ import annotations

import logging
import sys
from typing import Annotated, Any

import typer

from shipmate.cli.help_panels import OBSERVE
from shipmate.cli.output import Progress, run_command

serve_app = typer.Typer()


@serve_app.command("serve", rich_help_panel=OBSERVE)
def serve(files: Annotated[list[str] | None, typer.Option(
              "-f", "--file", help="Watch only this spec's home (repeatable; default: every registered home).")] = None,
          port: Annotated[int, typer.Option(min=1, max=65535, help="Port of /healthz on 127.0.0.1.")] = 8765,
          systemd: Annotated[bool, typer.Option("--systemd", help="Print a systemd unit that runs this at boot, "
                                                                   "and exit.")] = False) -> None:
    """Keep every current release running: restarts with backoff, liveness, crash loop -> automatic rollback,
    the router back within a second. Stops on SIGTERM/SIGINT; the instances keep running."""
    from shipmate import ops

    if systemd:
        sys.stdout.write(ops.systemd_unit(files or [], port=port))
        return
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    def act(p: Progress) -> dict[str, Any]:
        return ops.serve(files or [], port=port)

    run_command("serve", False, act, None)
