"""Release configs for the Swarm target's tests: the offline hello image, short grace, no update delay, a 1 s
monitor (the CI budget is tight), and a way to ask every running task what it serves."""

from __future__ import annotations

import http.client
import json
from pathlib import Path
from typing import Any

from shipmate.release_config import HealthConfig, MonitorConfig, ReleaseConfig
from shipmate.targets.base import Seen

FAST_UPDATE = {"parallelism": 1, "delay": 0.0, "order": "start-first", "monitor": 1.0,
               "failure_action": "rollback", "max_failure_ratio": 0.0}
FAST_ROLLBACK = {"parallelism": 0, "delay": 0.0, "order": "stop-first", "monitor": 1.0,
                 "failure_action": "pause", "max_failure_ratio": 0.0}


def swarm_config(service: str, version: str, image_id: str, project: Path, *, replicas: int = 2,
                 env: dict[str, str] | None = None, secrets: dict[str, int] | None = None,
                 strategy: str = "rolling", **settings: Any) -> ReleaseConfig:
    """A release as config_from builds it for target.kind swarm (prepare's image_id already recorded)."""
    target_settings = {"image": None, "image_id": image_id, "build": None, "container_port": 8000,
                       "project": str(project), "cpus": None, "memory": None, "stop_signal": "SIGINT",
                       "update": dict(FAST_UPDATE), "rollback": dict(FAST_ROLLBACK), "constraints": [],
                       "max_per_node": 0, "published_port": None, "converge_timeout_s": 60.0,
                       "log_max_bytes": 1048576, "log_max_files": 2, "keep_releases": 5, **settings}
    return ReleaseConfig(
        service=service, environment="test", version=version, digest=f"sha256:{version}", target_kind="swarm",
        port=8080, argv=(), cwd=str(project), env={"PYTHONUNBUFFERED": "1", **(env or {})}, stop_grace_s=1.0,
        log_max_bytes=1048576, log_backups=1, strategy=strategy, drain_s=0.0,
        health=HealthConfig(0.0, 0.5, 1.0, 10.0, ({"http": {"path": "/health"}},)),
        monitor=MonitorConfig(duration_s=0.0, interval_s=1.0, error_rate=None, p95_ms=None, min_samples=1,
                              on_inconclusive="keep", path=None),
        replicas=replicas, target_settings=target_settings, secrets=dict(secrets or {}))


def served_version(host: str, port: int) -> str | None:
    """The version the hello app at host:port says it serves; None when it does not answer."""
    try:
        conn = http.client.HTTPConnection(host, port, timeout=3)
        try:
            conn.request("GET", "/")
            answer = conn.getresponse()
            body = answer.read()
        finally:
            conn.close()
    except OSError:
        return None
    return str(json.loads(body).get("version")) if answer.status == 200 else None


class Ticks:
    """Collects what roll_out's on_tick saw, to check that the router would have followed the tasks."""

    def __init__(self) -> None:
        self.seen: list[list[Seen]] = []

    def __call__(self, running: list[Seen]) -> None:
        self.seen.append(list(running))

    def versions(self) -> set[str]:
        return {s.version for tick in self.seen for s in tick}
