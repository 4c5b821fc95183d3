"""Checks that must pass before a deployment writes anything: nothing half-done on a 'no'."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from shipmate.errors import PrerequisiteMissing, TargetError
from shipmate.release_config import ReleaseConfig
from shipmate.router.client import port_is_free

if TYPE_CHECKING:
    from shipmate.router.client import RouterClient


def check_port(router: RouterClient, port: int, service: str, environment: str) -> None:
    """The public port must be routed to this service already, or free to take."""
    routes: list[dict[str, object]] = []
    if router.is_running():
        try:
            routes = router.routes()
        except TargetError:
            routes = []
    for route in routes:
        if int(str(route["port"])) == port:
            if (route.get("service"), route.get("environment")) == (service, environment):
                return
            raise PrerequisiteMissing(
                f"port {port} is already routed to {route.get('service')}/{route.get('environment')}",
                hint="pick another port: in shipmate.yaml, or run `shipmate down` for that service")
    if not port_is_free(port):
        raise PrerequisiteMissing(f"port {port} is already in use on 127.0.0.1",
                                  hint="stop what listens there (ss -ltnp), or choose another port in shipmate.yaml")


def check_command(config: ReleaseConfig) -> None:
    """The command and its folder must exist before any instance, row or file is made."""
    cwd = Path(config.cwd)
    if not cwd.is_dir():
        raise PrerequisiteMissing(f"target.cwd: no such directory: {cwd}",
                                  hint="fix target.cwd in shipmate.yaml (relative to the spec file)")
    program = config.argv[0]
    path_env = config.env.get("PATH", os.environ.get("PATH", ""))
    if os.sep in program:
        candidate = Path(program) if Path(program).is_absolute() else cwd / program
        found = candidate.is_file() and os.access(candidate, os.X_OK)
    else:
        found = shutil.which(program, path=path_env) is not None
    if not found:
        raise PrerequisiteMissing(f"target.command: command not found: {program}",
                                  hint="install it, or give its full path in target.command")
