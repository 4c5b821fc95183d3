"""Checks that must pass before a deployment writes anything: nothing half-done on a 'no'."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from shipmate.errors import PrerequisiteMissing, TargetError
from shipmate.ports import port_is_free
from shipmate.release_config import ReleaseConfig

if TYPE_CHECKING:
    from shipmate.traffic import TrafficRouter


def check_port(router: TrafficRouter, port: int, service: str, environment: str) -> None:
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
    from shipmate.targets.process import resolve_command

    if not Path(config.cwd).is_dir():
        raise PrerequisiteMissing(f"target.cwd: no such directory: {config.cwd}",
                                  hint="fix target.cwd in shipmate.yaml (relative to the spec file)")
    path_env = config.env.get("PATH", os.environ.get("PATH", os.defpath))
    try:
        resolve_command(config.argv[0], config.cwd, path_env)
    except PrerequisiteMissing as exc:
        raise PrerequisiteMissing(f"target.command: {exc.message}", hint=exc.hint) from exc
