"""Checks that must pass before a deployment writes anything: nothing half-done on a 'no'."""

from __future__ import annotations

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
    """The release's target must be able to run it (command, folder, ...) before anything is made."""
    from shipmate.targets.registry import target_for

    target_for(config.target_kind).preflight(config)
