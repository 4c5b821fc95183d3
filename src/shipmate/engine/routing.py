"""What the engine asks of the traffic switch, phrased once: which instances serve a release's port.

Every change carries the deployment's fencing number, so a lock holder that was taken over
(and wakes up later) cannot move traffic any more: the router refuses an older number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from shipmate.release_config import ReleaseConfig
from shipmate.traffic import Backend, DrainResult, RouterMode, RouteSpec, TrafficRouter

if TYPE_CHECKING:
    from shipmate.store.rows import InstanceRow

HOST = "127.0.0.1"  # the router and the public port are always local


def route_spec(config: ReleaseConfig) -> RouteSpec:
    mode: RouterMode = "tcp" if config.router_mode == "tcp" else "http"
    return RouteSpec(port=config.port, service=config.service, environment=config.environment, mode=mode,
                     hold_s=config.router_hold_s)


def backend_of(row: InstanceRow, version: str, *, weight: int = 100, role: str = "stable") -> Backend:
    return Backend(host=row.host, port=int(row.port or 0), weight=weight, version=version,
                   instance_id=row.instance_id, role=role)


def address_of(row: InstanceRow) -> str:
    return f"{row.host}:{int(row.port or 0)}"


def serve_only(router: TrafficRouter, config: ReleaseConfig, rows: Sequence[InstanceRow], *,
               fencing: int, port: int | None = None) -> None:
    """All new requests (http) or connections (tcp) go to ``rows``, at once; others start draining.

    ``port`` overrides the release's own (a rollback serves the old release on today's port).
    """
    route = route_spec(config)
    if port is not None and port != route.port:
        route = replace(route, port=port)
    router.ensure_running()
    router.set_backends(route, [backend_of(r, config.version) for r in rows], fencing=fencing)


def split_weights(weight: int, canaries: int, stables: int) -> tuple[int, int]:
    """Per-instance weights so the canary side gets ``weight`` % of requests, whatever each side's size."""
    if canaries == 0 or stables == 0:
        return (100 if canaries else 0), (100 if stables else 0)
    return weight * stables, (100 - weight) * canaries


def split(router: TrafficRouter, config: ReleaseConfig, canary: Sequence[InstanceRow],
          stable: Sequence[InstanceRow], stable_version: str, weight: int, *, fencing: int,
          sticky: bool = False) -> None:
    """One atomic change: ``weight`` % of new requests to the canary instances, the rest to stable."""
    each_canary, each_stable = split_weights(weight, len(canary), len(stable))
    backends = [backend_of(r, config.version, weight=each_canary, role="canary") for r in canary]
    backends += [backend_of(r, stable_version, weight=each_stable) for r in stable]
    router.ensure_running()
    router.set_backends(replace(route_spec(config), sticky=sticky), backends, fencing=fencing)


def set_members(router: TrafficRouter, config: ReleaseConfig, backends: Sequence[Backend], *,
                fencing: int) -> None:
    """Replace the membership with ``backends`` as given (a rolling update moves one at a time)."""
    router.ensure_running()
    router.set_backends(route_spec(config), list(backends), fencing=fencing)


def hold(router: TrafficRouter, config: ReleaseConfig, *, fencing: int) -> None:
    """No instance serves for a while (recreate): http requests wait up to router.hold instead of failing."""
    router.ensure_running()
    router.set_backends(route_spec(config), [], fencing=fencing)


def drain(router: TrafficRouter, config: ReleaseConfig, row: InstanceRow, timeout_s: float) -> DrainResult:
    """Wait for what is still in flight to ``row`` (it must already be out of the backend set)."""
    if not router.is_running():
        return DrainResult(drained=True, in_flight=0, waited_s=0.0)
    return router.drain(config.port, address_of(row), timeout_s)
