"""Checks that must pass before a deployment writes anything: nothing half-done on a 'no'."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipmate.errors import PrerequisiteMissingError, TargetError
from shipmate.ports import port_is_free
from shipmate.release_config import ReleaseConfig
from shipmate.strategies.names import ROUTED_STRATEGIES

if TYPE_CHECKING:
    from shipmate.targets.base import Capabilities
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
            raise PrerequisiteMissingError(
                f"port {port} is already routed to {route.get('service')}/{route.get('environment')}",
                hint="pick another port: in shipmate.yaml, or run `shipmate down` for that service")
    if not port_is_free(port):
        raise PrerequisiteMissingError(
            f"port {port} is already in use on 127.0.0.1",
            hint="stop what listens there (ss -ltnp), or choose another port in shipmate.yaml")


def check_command(config: ReleaseConfig) -> None:
    """The release's target must be able to run it (command, folder, replicas, ...) before anything is made."""
    from shipmate.targets.registry import target_for

    target = target_for(config.target_kind)
    check_capabilities(config, target.capabilities)
    target.preflight(config)


def check_capabilities(config: ReleaseConfig, can: Capabilities) -> None:
    """Ask the target what it can do (never its kind): replicas it can run, traffic it can take."""
    most = can.max_replicas if can.replicas else 1
    if config.replicas > most:
        raise PrerequisiteMissingError(f"target kind {config.target_kind} runs at most {most} instance(s) of a "
                                       f"release, not {config.replicas}", hint=f"set replicas: {most} or fewer")
    if config.strategy in ROUTED_STRATEGIES and not can.routable:
        raise PrerequisiteMissingError(f"strategy {config.strategy} moves traffic through the router, and target "
                                       f"kind {config.target_kind} is not routable", hint="use strategy: recreate")
