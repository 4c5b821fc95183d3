"""A fake target and a recording router for in-process engine tests (the real ones have their own tests).

The fake target's instances are real listening sockets, so the engine's real tcp health probes
pass or fail for real; "killing" an instance closes its socket. The router records every
membership it is given, so tests can check how traffic moved, one change at a time.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from shipmate.engine.context import Runtime
from shipmate.model import InstanceRef, LaunchSpec
from shipmate.release_config import CanaryStepConfig, HealthConfig, MonitorConfig, ReleaseConfig
from shipmate.store.store import Store
from shipmate.targets.base import Capabilities, InstanceState, LastOutput, Target, Usage
from shipmate.traffic import Backend, BackendStats, DrainResult, RouteSpec, RouteStats, TrafficRouter


class FakeTarget(Target):
    kind = "fake"
    capabilities = Capabilities(routable=True, replicas=True, max_replicas=32, logs=False, process_stats=False)

    def __init__(self) -> None:
        self.sockets: dict[str, socket.socket] = {}
        self.versions: dict[str, str] = {}
        self.unhealthy_versions: set[str] = set()   # started, alive, but never listening
        self.peak_alive = 0

    def preflight(self, config: ReleaseConfig) -> None:
        pass

    def start(self, launch: LaunchSpec) -> InstanceRef:
        version = launch.env.get("SHIPMATE_VERSION", "")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", launch.port))
        if version not in self.unhealthy_versions:
            sock.listen(16)
        self.sockets[launch.instance_id] = sock
        self.versions[launch.instance_id] = version
        self.peak_alive = max(self.peak_alive, len(self.alive_ids()))
        return InstanceRef(launch.instance_id, launch.port, {"fake": launch.instance_id})

    def alive_ids(self) -> list[str]:
        return [iid for iid, sock in self.sockets.items() if sock.fileno() != -1]

    def alive_versions(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for iid in self.alive_ids():
            counts[self.versions[iid]] = counts.get(self.versions[iid], 0) + 1
        return counts

    def kill(self, instance_id: str) -> None:
        self.sockets[instance_id].close()

    def kill_version(self, version: str) -> None:
        for iid in self.alive_ids():
            if self.versions[iid] == version:
                self.kill(iid)

    def close_all(self) -> None:
        for sock in self.sockets.values():
            sock.close()

    def inspect(self, handle: dict[str, Any]) -> InstanceState:
        sock = self.sockets.get(str(handle.get("fake")))
        alive = sock is not None and sock.fileno() != -1
        return InstanceState(alive=alive, state="running" if alive else "gone")

    def stop(self, ref: InstanceRef, grace: float) -> None:
        sock = self.sockets.get(ref.instance_id)
        if sock is not None:
            sock.close()

    def find_strays(self, home_id: str, known: set[str]) -> list[InstanceRef]:
        return [InstanceRef(iid, 0, {"fake": iid}) for iid in self.alive_ids() if iid not in known]

    def read_logs(self, handle: dict[str, Any], tail: int) -> list[str]:
        return []

    def last_output(self, handle: dict[str, Any], lines: int) -> LastOutput:
        return LastOutput()

    def listening_ports(self, ref: InstanceRef) -> list[int]:
        return [ref.port]

    def usage(self, handle: dict[str, Any]) -> Usage | None:
        return None


@dataclass
class RecordingRouter:
    """Keeps each route's members as given and every change in order (with how many instances ran then)."""

    target: FakeTarget
    routes_now: dict[int, list[Backend]] = field(default_factory=dict)
    specs: dict[int, RouteSpec] = field(default_factory=dict)
    changes: list[tuple[int, tuple[Backend, ...], int]] = field(default_factory=list)
    sticky: list[bool] = field(default_factory=list)     # RouteSpec.sticky of each change

    def ensure_running(self) -> None:
        pass

    def is_running(self) -> bool:
        return True

    def set_backends(self, route: RouteSpec, backends: Sequence[Backend], *, fencing: int) -> None:
        self.routes_now[route.port] = list(backends)
        self.specs[route.port] = route
        self.changes.append((route.port, tuple(backends), len(self.target.alive_ids())))
        self.sticky.append(route.sticky)

    def remove(self, port: int, *, fencing: int, close_connections: bool = False) -> None:
        self.routes_now.pop(port, None)

    def drain(self, port: int, address: str, timeout_s: float) -> DrainResult:
        return DrainResult(True, 0, 0.0)

    def stats(self, port: int) -> RouteStats | None:
        if port not in self.routes_now:
            return None
        return RouteStats(port=port, mode="http", backends=tuple(
            BackendStats(address=b.address, version=b.version, instance_id=b.instance_id, weight=b.weight,
                         role=b.role, member=True, in_flight=0, open_connections=0, requests=0, status_5xx=0,
                         errors=0) for b in self.routes_now[port]))

    def routes(self) -> list[dict[str, Any]]:
        return [{"port": port, "service": self.specs[port].service, "environment": self.specs[port].environment,
                 "mode": self.specs[port].mode} for port in self.routes_now]

    def daemon_pid(self) -> int | None:
        return None

    def shutdown_if_idle(self) -> bool:
        return not self.routes_now

    def members(self, port: int) -> dict[str, int]:
        counts: dict[str, int] = {}
        for b in self.routes_now.get(port, []):
            counts[b.version] = counts.get(b.version, 0) + 1
        return counts


def _conforms(router: RecordingRouter) -> TrafficRouter:
    return router  # mypy checks the fake against the Protocol the engine is typed to


def runtime(home: Path) -> tuple[Runtime, FakeTarget, RecordingRouter]:
    store = Store.open(home)
    target = FakeTarget()
    router = RecordingRouter(target)
    return Runtime(store, target, router, home, "fakehome", "test:engine"), target, router


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[Runtime, FakeTarget, RecordingRouter]]:
    """A runtime on a fresh store with the fake target and the recording router; nothing left listening after."""
    rt, target, router = runtime(tmp_path / "home")
    yield rt, target, router
    target.close_all()
    rt.store.close()


def release(version: str, *, port: int, strategy: str = "blue-green", replicas: int = 1,
            canary: Sequence[tuple[int, float]] = (), max_surge: int = 1, max_unavailable: int = 1,
            deadline_s: float = 5.0, monitor_s: float = 0.0) -> ReleaseConfig:
    """A release whose monitor judges router traffic only (the recording router counts none: kept)."""
    monitor = MonitorConfig(duration_s=monitor_s, interval_s=0.05, error_rate=0.05, p95_ms=None, min_samples=1,
                            on_inconclusive="keep", path=None, probes=False, min_coverage=0.0)
    return ReleaseConfig(
        service="svc", environment="default", version=version, digest=f"d-{version}", target_kind="fake",
        port=port, argv=("fake",), cwd=".", env={}, stop_grace_s=0.1, log_max_bytes=1024, log_backups=0,
        strategy=strategy, drain_s=0.1,
        health=HealthConfig(start_period_s=0.0, interval_s=0.02, timeout_s=0.2, deadline_s=deadline_s,
                            checks=({"tcp": {}},)),
        monitor=monitor, replicas=replicas,
        canary_steps=tuple(CanaryStepConfig(w, p) for w, p in canary),
        rolling_max_surge=max_surge, rolling_max_unavailable=max_unavailable)
