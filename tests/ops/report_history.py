"""A known history written through the real store, at chosen times: deploys, failures, rollbacks, approvals,
failure memory. The clock is injected into the store modules that stamp rows (their `time.time()` and the event
log's timestamp), so every figure of the report on it is known to the second."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import shipmate.store.approvals
import shipmate.store.deployments
import shipmate.store.events
import shipmate.store.memory
from shipmate.model import DeploymentState as S
from shipmate.store import Store
from shipmate.store.owners import this_process_owner
from shipmate.store.uptime_rows import UptimeSample

SPEC = """service: web
version: git
port: 18080
target: {kind: process, command: ["python3", "-m", "http.server", "18081"]}
environments: {staging: {}, production: {}}
reports: {timezone: UTC}
"""
MONITOR = "monitor window fail: error rate 0.20 > 0.05"
HEALTH = "health check failed before the switch: level 2 http /health 500"
def at(day: int, hour: int, minute: int = 0, second: int = 0) -> float:
    """November 2026, UTC (2 Nov is a Monday)."""
    return datetime(2026, 11, day, hour, minute, second, tzinfo=UTC).timestamp()


# The commit of each version: its lead time is its deploy's end minus this.
COMMITS = {"v1.0.1": at(2, 9), "v1.0.2": at(2, 12), "v1.0.3": at(3, 7), "v1.0.4": at(4, 8), "v1.0.5": at(5, 9),
           "v1.0.6": at(4, 13), "v1.0.7": at(6, 8), "v1.0.8": at(5, 4), "v1.0.9": at(4, 16), "v1.0.10": at(1, 0)}


@dataclass
class Clock:
    now: float = 0.0

    def time(self) -> float:
        return self.now

    def iso(self) -> str:
        return datetime.fromtimestamp(self.now, UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def install_clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    import time

    clock = Clock()
    fake = SimpleNamespace(time=clock.time, monotonic=time.monotonic, sleep=time.sleep, perf_counter=time.perf_counter)
    for module in (shipmate.store.deployments, shipmate.store.approvals, shipmate.store.memory):
        monkeypatch.setattr(module, "time", fake)
    monkeypatch.setattr(shipmate.store.events, "utc_timestamp", clock.iso)
    return clock


@dataclass
class History:
    store: Store
    clock: Clock
    service: str = "web"
    fencing: dict[str, int] = field(default_factory=dict)
    previous: dict[str, str] = field(default_factory=dict)

    def _fence(self, env: str) -> int:
        if env not in self.fencing:
            lock = self.store.acquire_lock(f"{self.service}/{env}", owner=this_process_owner("deploy", "tester"),
                                           lease_seconds=86_400)
            self.fencing[env] = lock.fencing
        return self.fencing[env]

    def deploy(self, version: str, start: float, *, env: str = "production", kind: str = "deploy",
               outcome: str = "succeeded", took: float = 60.0, rolling_back_after: float | None = None,
               error: str | None = None, confidence: float | None = None, actor: str = "alice") -> str:
        """One deployment from ``start`` to ``start + took``; a failed/rolled back one starts rolling back
        ``rolling_back_after`` seconds in (the moment the failure was detected)."""
        fencing = self._fence(env)
        self.clock.now = start
        release = self.store.ensure_release(self.service, version, f"sha256:{version}", {"port": 8080}, "process")
        dep = self.store.create_deployment(
            service=self.service, environment=env, release_id=release.id, kind=kind, strategy="blue-green",
            plan={"steps": []}, previous_release_id=self.previous.get(env), trace_id=f"t-{version}-{start}",
            actor=actor, fencing=fencing)
        if confidence is not None:
            self.store.set_deployment_confidence(dep.id, {"score": confidence, "factors": []})
        self.clock.now = start + 1
        self.store.set_state(dep.id, S.RUNNING, fencing=fencing, event={"event_type": "deployment.started"})
        if outcome == "succeeded":
            self.clock.now = start + took
            self.store.set_state(dep.id, S.SUCCEEDED, fencing=fencing,
                                 event={"event_type": "deployment.succeeded", "status": "success"})
            self.previous[env] = release.id
            return dep.id
        assert rolling_back_after is not None and error is not None
        self.clock.now = start + rolling_back_after
        self.store.set_state(dep.id, S.ROLLING_BACK, fencing=fencing, error=error,
                             event={"event_type": "deployment.rolling_back", "status": "rolling_back"})
        self.clock.now = start + took
        final = S.ROLLED_BACK if outcome == "rolled_back" else S.FAILED
        self.store.set_state(dep.id, final, fencing=fencing, error=error,
                             event={"event_type": f"deployment.{final.value}", "status": final.value})
        return dep.id

    def auto_rollback_decided(self, when: float, version: str, env: str = "production") -> None:
        """What `serve` writes when it decides on an automatic rollback (ops/serving.py)."""
        self.clock.now = when
        self.store.append_event(event_type="rollback.automatic", service=self.service, environment=env,
                                version=version, status="started", deployed_by="shipmate-serve",
                                notes="crash loop: 3 deaths", data={"version": version})

    def approval(self, requested: float, *, decided: float | None, state: str, env: str = "production") -> None:
        self.clock.now = requested
        row = self.store.create_approval(
            service=self.service, environment=env, action="deploy", release_id=None, version="x", digest="d",
            requested_by="agent:ci", requested_face="cli", expires_at=requested + 30 * 86_400, code_hash=None,
            diff={}, confidence=None)
        if decided is not None:
            self.store.decide_approval(row.id, state=state, decided_by="bob", decided_face="cli", comment=None,
                                       now=decided)

    def failure(self, when: float, key: str, text: str, env: str = "production") -> None:
        self.clock.now = when
        sig = {"key": key, "version": 1, "phase": "health", "target_kind": "process", "error_code": "health_failed",
               "exit_code": None, "text": text}
        self.store.memory.record_failure(sig, service=self.service, environment=env, deployment_id=None,
                                         kind="deploy", message=text, shown_fix_ids=[])


def git_project(path: Path, tags: dict[str, float]) -> None:
    """A real git repository with one commit per tag, committed at the given times."""
    def git(*args: str, when: float | None = None) -> None:
        env: dict[str, Any] = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
                               "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org",
                               "HOME": str(path), "PATH": "/usr/bin:/bin"}
        if when is not None:
            stamp = f"{int(when)} +0000"
            env.update(GIT_AUTHOR_DATE=stamp, GIT_COMMITTER_DATE=stamp)
        subprocess.run(["git", *args], cwd=path, env=env, check=True, capture_output=True, timeout=30)

    git("init", "-q", "-b", "main")
    for tag, when in sorted(tags.items(), key=lambda kv: kv[1]):
        (path / "CHANGES").write_text(tag + "\n")
        git("add", "CHANGES")
        git("commit", "-q", "-m", tag, when=when)
        git("tag", "-a", tag, "-m", tag, when=when)


def week_of_history(h: History) -> None:
    """Mon 2 Nov 2026 .. Sun 8 Nov (UTC). 10 production deployments, 5 of them change failures."""
    h.deploy("v1.0.1", at(2, 10), confidence=0.9)                                                  # d1 ok
    h.deploy("v1.0.2", at(2, 14), outcome="rolled_back", rolling_back_after=40, error=MONITOR,     # d2 20 s
             confidence=0.6)
    h.deploy("v1.0.0", at(3, 8), env="staging", outcome="failed", rolling_back_after=10, error=HEALTH)  # noise
    h.deploy("v1.0.3", at(3, 9), confidence=0.8)                                                   # d3 ok
    h.deploy("v1.0.4", at(4, 11), confidence=0.7)                                                  # d4 crash loop
    h.auto_rollback_decided(at(4, 11, 30), "v1.0.4")
    h.deploy("v1.0.3", at(4, 11, 30, 5), kind="rollback", actor="shipmate-serve")                  # 65 s
    h.deploy("v1.0.5", at(5, 10), outcome="rolled_back", rolling_back_after=30, error=HEALTH,      # d5 20 s
             took=50, confidence=0.5)
    h.deploy("v1.0.6", at(5, 15), confidence=0.9)                                                  # d6 ok
    h.deploy("v1.0.3", at(5, 17), kind="rollback")            # by hand 2 h later: after rollback_within (1 h)
    h.deploy("v1.0.7", at(6, 9), outcome="failed", rolling_back_after=40, error=HEALTH,            # d7 3620 s
             confidence=0.4)
    h.deploy("v1.0.8", at(6, 10), confidence=0.95)                                                 # d8 manual rb
    h.deploy("v1.0.6", at(6, 10, 30), kind="rollback")                                             # 60 s
    h.deploy("v1.0.9", at(6, 18), confidence=0.85)                                                 # d9 ok
    h.deploy("v1.1.0-dirty", at(8, 23, 30))                                                        # d10 ok
    h.deploy("v1.0.10", at(9, 1))                                                  # after the period
    h.approval(at(2, 9), decided=at(2, 9, 10), state="approved")
    h.approval(at(4, 10), decided=at(4, 10, 30), state="approved")
    h.approval(at(6, 8), decided=at(6, 8, 5), state="rejected")
    h.approval(at(8, 12), decided=None, state="pending")
    h.approval(at(3, 12), decided=at(3, 13), state="approved", env="staging")
    for when in (at(2, 14), at(5, 10), at(6, 9)):
        h.failure(when, "sig_aaaaaaaaaaaaaaaa", "http /health answered <n>")
    h.failure(at(4, 11, 30), "sig_bbbbbbbbbbbbbbbb", "crash loop: <n> deaths")
    h.failure(at(3, 8), "sig_cccccccccccccccc", "staging only", env="staging")
    # serve's probes: one an hour all week, down at Wed 11:00 (45 min) and Fri 09:00 (1 h).
    down = {at(4, 11), at(6, 9)}
    h.store.uptime.record([UptimeSample("web", "production", at(2, 0) + i * 3600.0, at(2, 0) + i * 3600.0 not in down,
                                        12.0, 3600.0) for i in range(7 * 24)])
    for start, took in ((at(4, 11), 2700.0), (at(6, 9), 3600.0)):
        incident = h.store.uptime.open_incident("web", "production", started_at=start, cause="probe failed")
        h.store.uptime.close_incident(incident.id, ended_at=start + took, duration_seconds=took)


