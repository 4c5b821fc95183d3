"""The engine's view of the traffic switch: weighted backends, drain, and per-backend RED stats.

The engine and the strategies talk only to ``TrafficRouter``; the built-in router daemon's
client (``shipmate.router.client.RouterClient``) is one implementation, and later targets
(Swarm, Kubernetes) may bring their own. Argo Rollouts' traffic-routing reconciler is the model:
the engine says *what* the weights should be, the router makes it so atomically.

Everything here is plain data, so the monitor can judge stats without touching a socket.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

RouterMode = Literal["http", "tcp"]
DEFAULT_HOLD_S = 10.0   # http: with no ready backend, requests wait this long, then 503 (spec `router.hold`)


@dataclass(frozen=True)
class RouteSpec:
    """One public port and how it routes (the backends are given separately)."""

    port: int
    service: str
    environment: str
    mode: RouterMode = "http"
    hold_s: float = DEFAULT_HOLD_S
    sticky: bool = False            # http: a cookie keeps a client on the side it first reached


@dataclass(frozen=True)
class Backend:
    """One instance behind a route. ``weight`` is relative (0 = member, but gets no new requests)."""

    host: str
    port: int
    weight: int = 100
    version: str = ""
    instance_id: str = ""
    role: str = "stable"            # "stable" | "canary": what `X-Shipmate-Route: canary|stable` selects

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class BackendStats:
    """Cumulative counters of one backend since it joined the route (deltas are the caller's job).

    ``latency_counts[i]`` counts responses whose time to the response head was <= ``latency_bounds_ms[i]``
    and > the bound before it; the last bucket is unbounded (+Inf).
    """

    address: str
    version: str
    instance_id: str
    weight: int
    role: str
    member: bool                    # still in the route's backend set (False: draining/removed)
    in_flight: int                  # http: requests sent and not yet fully answered; tcp: connections
    open_connections: int           # connections to this backend (pooled + tunnels + tcp)
    requests: int                   # http: responses completed or failed; tcp: connections accepted
    status_5xx: int                 # http: responses with status >= 500 from the backend
    errors: int                     # connect refused/timeouts, resets, backend died mid-response
    latency_bounds_ms: tuple[float, ...] = ()
    latency_counts: tuple[int, ...] = ()

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> BackendStats:
        return cls(
            address=str(raw["address"]), version=str(raw.get("version", "")),
            instance_id=str(raw.get("instance_id", "")), weight=int(raw.get("weight", 0)),
            role=str(raw.get("role", "stable")),
            member=bool(raw.get("member", False)), in_flight=int(raw.get("in_flight", 0)),
            open_connections=int(raw.get("open_connections", 0)), requests=int(raw.get("requests", 0)),
            status_5xx=int(raw.get("status_5xx", 0)), errors=int(raw.get("errors", 0)),
            latency_bounds_ms=tuple(float(b) for b in raw.get("latency_bounds_ms", ())),
            latency_counts=tuple(int(c) for c in raw.get("latency_counts", ())),
        )


@dataclass(frozen=True)
class RouteStats:
    """A snapshot of one route: every backend it has counted (members first), plus route counters."""

    port: int
    mode: RouterMode
    backends: tuple[BackendStats, ...] = ()
    accepted: int = 0               # client connections accepted on the public port
    held: int = 0                   # http: requests that waited for a ready backend
    hold_timeouts: int = 0          # http: requests answered 503 after router.hold ran out
    rejected: int = 0               # http: malformed requests answered 400/408/431 and not forwarded
    extra: dict[str, Any] = field(default_factory=dict)

    def backend(self, address: str) -> BackendStats | None:
        return next((b for b in self.backends if b.address == address), None)

    def by_version(self, version: str) -> list[BackendStats]:
        return [b for b in self.backends if b.version == version]

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> RouteStats:
        mode: RouterMode = "tcp" if raw.get("mode") == "tcp" else "http"
        return cls(port=int(raw["port"]), mode=mode,
                   backends=tuple(BackendStats.from_dict(b) for b in raw.get("backends", ())),
                   accepted=int(raw.get("accepted", 0)), held=int(raw.get("held", 0)),
                   hold_timeouts=int(raw.get("hold_timeouts", 0)), rejected=int(raw.get("rejected", 0)))


@dataclass(frozen=True)
class DrainResult:
    drained: bool                   # False: the timeout passed with work still in flight
    in_flight: int                  # what was still in flight when we stopped waiting
    waited_s: float


class TrafficRouter(Protocol):
    """What the engine may ask of a traffic switch. Every change carries the caller's fencing
    number: a stale lock holder that wakes up after a takeover cannot move traffic."""

    def ensure_running(self) -> None:
        """Make sure the switch is up (it restores its durable table on start)."""
        ...

    def is_running(self) -> bool:
        ...

    def set_backends(self, route: RouteSpec, backends: Sequence[Backend], *, fencing: int) -> None:
        """Atomically replace the route's backend set and weights, binding the port if needed.

        Raises PrerequisiteMissingError when the port cannot be bound, StaleFencingError (a LockLostError)
        when ``fencing`` is older than the last change's, TargetError otherwise.
        """
        ...

    def remove(self, port: int, *, fencing: int, close_connections: bool = False) -> None:
        """Stop listening on ``port``; open connections finish unless ``close_connections``."""
        ...

    def drain(self, port: int, address: str, timeout_s: float) -> DrainResult:
        """Wait until nothing is in flight to ``address`` (which must no longer be a member).

        http: in-flight requests finish, idle pooled connections are closed at once; tcp: open
        connections finish. Returns at the timeout with ``drained=False`` (never raises for that).
        """
        ...

    def stats(self, port: int) -> RouteStats | None:
        """The route's counters now, or None when no such route exists."""
        ...

    def routes(self) -> list[dict[str, Any]]:
        """Every route as saved (port, service, environment, mode, backends, fencing)."""
        ...

    def shutdown_if_idle(self) -> bool:
        """Stop the switch when it routes nothing; True if it stopped."""
        ...

    def daemon_pid(self) -> int | None:
        """The local process that is the switch, for a watcher that wants to see it die (`shipmate serve`);
        None when it does not run (or is not one local process)."""
        ...
