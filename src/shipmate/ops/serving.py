"""`shipmate serve`: the long-running side. Which homes it watches, its lock, its HTTP face, its systemd unit.

One serve per home: it holds the home's "serve" lock in the store (a lease with a heartbeat, like the
deployment lock), so a second one exits 4 naming the first, and a SIGKILLed one is taken over at once.
"""

from __future__ import annotations

import contextlib
import gc
import getpass
import logging
import os
import shlex
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipmate.bounded_run import run_bounded
from shipmate.errors import InvalidInputError, LockHeldError, NotFoundError, ShipmateError
from shipmate.ops.common.background import in_background
from shipmate.ops.common.workspace import Workspace

if TYPE_CHECKING:
    from shipmate.engine.lease import Lease
    from shipmate.store.store import Store
    from shipmate.supervise.restart_policy import PolicySettings
    from shipmate.supervise.uptime_prober import UptimeProber
    from shipmate.supervise.uptime_settings import UptimeSettings

SERVE_LOCK = "serve"
SERVE_LEASE_S = 60.0   # a SIGKILLed serve is taken over at once (its pid is gone); the lease only bounds a frozen one
DEFAULT_PORT = 8765
log = logging.getLogger("shipmate.serve")


def remember_home(ws: Workspace) -> None:
    """A deploy puts its home in the host registry (a read-only $HOME must not fail the deploy)."""
    from shipmate.supervise import registry

    with contextlib.suppress(OSError):
        registry.register(ws.home, ws.spec_path)


def forget_home(ws: Workspace) -> None:
    from shipmate.supervise import registry

    with contextlib.suppress(OSError):
        registry.unregister(ws.home, ws.spec_path)


@dataclass
class _Home:
    ws: Workspace
    specs: dict[str, Path] = field(default_factory=dict)    # service -> its spec (settings, rollback)
    store: Store | None = None
    lease: Lease | None = None


def _homes(spec_files: list[str]) -> dict[Path, _Home]:
    from shipmate.spec.service_names import read_service_names
    from shipmate.supervise import registry

    pairs: list[tuple[Path, Path]] = []
    if spec_files:
        for given in spec_files:
            ws = Workspace.locate(given)
            if not ws.spec_path.is_file():
                raise NotFoundError(f"-f {given}: no such spec file", hint="pass the path of a shipmate.yaml")
            pairs.append((ws.home, ws.spec_path))
    else:
        entries, warnings = registry.entries()
        for warning in warnings:
            log.warning("%s", warning)
        pairs = [(entry.home, entry.spec) for entry in entries]
    homes: dict[Path, _Home] = {}
    for home_path, spec_path in pairs:
        entry = homes.setdefault(home_path, _Home(Workspace(spec_path, home_path)))
        try:
            service, _ = read_service_names(spec_path)
        except ShipmateError as exc:
            if spec_files:
                raise   # asked for by name: a bad spec is bad input, not a warning
            log.warning("%s: %s (its service is still supervised; settings are the defaults)", spec_path, exc.message)
            continue
        entry.specs[service] = spec_path
    return homes


def _lock(homes: dict[Path, _Home]) -> None:
    """Take every home's serve lock, or none: the second serve exits 4 naming the first."""
    from shipmate.engine.lease import Lease

    for home in homes.values():
        try:
            home.store = home.ws.open_store()
            home.lease = Lease(home.store, SERVE_LOCK, "shipmate-serve", lease_seconds=SERVE_LEASE_S).__enter__()
        except LockHeldError as exc:
            _unlock(homes)
            raise LockHeldError(f"{home.ws.home} is already supervised: {exc.message}",
                                hint="stop that `shipmate serve` first, or leave it running: one per home") from exc
        except BaseException:
            _unlock(homes)
            raise


def _unlock(homes: dict[Path, _Home]) -> None:
    for home in homes.values():
        if home.lease is not None:
            with contextlib.suppress(ShipmateError):
                home.lease.__exit__(None, None, None)
            home.lease = None
        if home.store is not None:
            home.store.close()
            home.store = None


class _Settings:
    """Each service's `supervise:` from today's spec, read again when the file changes."""

    def __init__(self, specs: dict[str, Path]) -> None:
        self._specs = specs
        self._cache: dict[tuple[str, str], tuple[float, PolicySettings]] = {}

    def __call__(self, service: str, environment: str) -> PolicySettings:
        from shipmate.spec.loader import load_spec
        from shipmate.supervise.restart_policy import PolicySettings

        spec = self._specs.get(service)
        mtime = spec.stat().st_mtime if spec is not None and spec.is_file() else 0.0
        cached = self._cache.get((service, environment))
        if cached is not None and cached[0] == mtime:
            return cached[1]
        settings = PolicySettings()
        if spec is not None and mtime:
            try:
                settings = PolicySettings.from_spec(load_spec(spec, environment=environment).spec.supervise)
            except ShipmateError as exc:
                log.warning("%s: supervise settings unreadable (%s): using the defaults", spec, exc.message)
        self._cache[(service, environment)] = (mtime, settings)
        return settings


def _roll_back(home: _Home) -> Callable[[str, str, dict[str, Any]], str]:
    """An automatic rollback is the `shipmate rollback` command itself (own process, own lock, own hooks and
    notifications), after an audit event with the evidence; "lock_held" while a deploy holds the lock."""

    def roll_back(service: str, environment: str, evidence: dict[str, Any]) -> str:
        spec = home.specs.get(service)
        store = home.store
        assert store is not None
        if spec is None:
            return f"not possible: no spec file of {service} is known (deploy once more, or serve -f FILE)"
        store.append_event(event_type="rollback.automatic", service=service, environment=environment,
                           version=str(evidence.get("version")), status="started", deployed_by="shipmate-serve",
                           notes=f"crash loop: {evidence.get('reason')}", data=evidence)
        _remember_crash_loop(store, service, environment, evidence)
        env = {**os.environ, "SHIPMATE_HOME": str(home.ws.home), "SHIPMATE_ACTOR": "shipmate-serve"}
        argv = [sys.executable, "-m", "shipmate", "rollback", "-f", str(spec), "--env", environment,
                "--no-wait", "--json"]
        done = run_bounded(argv, cwd=None, env=env, timeout=3600)
        if done.returncode == LockHeldError.exit_code:
            return "lock_held"
        said = done.output.decode(errors="replace").strip()[-300:]
        if done.returncode == 0:
            outcome = "rolled back"
        elif done.returncode is None:
            outcome = f"failed: {done.start_error or 'timed out'}"
        else:
            outcome = f"failed (exit {done.returncode}): {said}"
        store.append_event(event_type="rollback.automatic", service=service, environment=environment,
                           version=str(evidence.get("version")), status="done" if done.returncode == 0 else "failed",
                           deployed_by="shipmate-serve", notes=outcome, data={"exit_code": done.returncode})
        return outcome

    return roll_back


def _remember_crash_loop(store: Store, service: str, environment: str, evidence: dict[str, Any]) -> None:
    """The failure memory records the crash loop (phase "restart"); it never stands in the rollback's way."""
    from shipmate.analysis.failure_signature import FailureFacts
    from shipmate.ops.common.failure_memory import remember_facts

    reason = f"crash loop: {evidence.get('reason')}"
    try:
        remember_facts(store, FailureFacts("restart", str(evidence.get("target_kind") or ""), "crash_loop", reason),
                       words=reason, message=reason, service=service, environment=environment, kind="restart",
                       deployment_id=evidence.get("deployment_id"))
    except Exception as exc:
        log.warning("%s/%s: failure memory: %s: %s", service, environment, type(exc).__name__, exc)


@contextlib.contextmanager
def _http(port: int, app: Any) -> Iterator[None]:
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                            lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="serve-http", daemon=True)
    # In a thread uvicorn leaves the signals alone: SIGTERM/SIGINT stay the supervisor loop's.
    thread.start()
    deadline = time.monotonic() + 10.0
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    if not server.started:
        raise InvalidInputError(f"--port {port}: cannot listen on 127.0.0.1:{port} (in use?)",
                                hint="pick another port with --port")
    # Everything imported and built so far lives as long as serve: out of the collector's sight, a full
    # collection walks only what requests and ticks allocate (it walked it all: 160 ms pauses under load).
    gc.freeze()
    # The event loop thread is busy under many clients; a thread that waits on I/O (a status read's /proc and
    # SQLite calls, the supervisor's writes) waits for the GIL after each call: 1 ms instead of 5 ms took
    # status reads under wrk from 0.25 s median (up to 1.1 s) to 0.15-0.2 s (up to 0.7 s).
    sys.setswitchinterval(0.001)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=5.0)


Health = Callable[[], dict[str, Any]]
HttpApp = Callable[[Health], Any]   # health -> an ASGI app: the web face, handed in by the composition root


def serve(spec_files: list[str], *, http_app: HttpApp, port: int = DEFAULT_PORT,
          stop: threading.Event | None = None) -> dict[str, Any]:
    """Supervise until SIGTERM/SIGINT (or ``stop``); returns what it watched. Instances keep running after.
    ``http_app`` builds the app on ``port`` from the supervisor's health (the core never imports a face)."""
    from shipmate.ops.common.inbox_runner import inbox_runner
    from shipmate.ops.sending_reports import scheduled_reports
    from shipmate.supervise.death_watch import DeathWatch
    from shipmate.supervise.home_watch import HomeWatch
    from shipmate.supervise.loop import Supervisor

    homes = _homes(spec_files)
    stop = stop or threading.Event()
    _lock(homes)
    try:
        deaths = DeathWatch()
        supervisor = Supervisor(deaths)
        prober = _uptime_prober(homes)
        for home in homes.values():
            store = home.store
            assert store is not None
            supervisor.add(HomeWatch(str(home.ws.home), lambda ws=home.ws, s=store: ws.runtime(s),  # type: ignore[misc]
                                     _Settings(home.specs), _roll_back(home), deaths, on_fact=prober.fact))
        previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            specs = [spec for home in homes.values() for spec in home.specs.values()]
            with _http(port, http_app(supervisor.health)), inbox_runner(specs), scheduled_reports(specs), \
                    _running(prober, stop):
                log.info("shipmate serve: watching %d home(s) on 127.0.0.1:%d", len(homes), port)
                supervisor.run(stop)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return {"stopped": True, "homes": [str(h) for h in homes], "port": port}
    finally:
        _unlock(homes)


def _uptime_prober(homes: dict[Path, _Home]) -> UptimeProber:
    """Uptime checks on their own thread; alerts go out through each service's `notify:` URLs."""
    from shipmate.ops.common.announcing import announce
    from shipmate.supervise.uptime_prober import UptimeProber

    def send(home: Path, service: str, environment: str, event: str, fields: dict[str, Any],
             settings: UptimeSettings) -> None:
        for warning in announce(home, settings.notify, event, {"service": service, "environment": environment,
                                                                **fields}):
            log.warning("%s/%s: %s", service, environment, warning)

    return UptimeProber([(h.ws.home, h.specs) for h in homes.values()], send=send)


@contextlib.contextmanager
def _running(prober: UptimeProber, stop: threading.Event) -> Iterator[None]:
    # bounded: a store that hangs at exit must not keep serve from stopping
    with in_background(prober.run, name="serve-uptime", join_timeout_s=20.0, stop=stop):
        yield


def systemd_unit(spec_files: list[str], *, port: int = DEFAULT_PORT) -> str:
    """A unit that starts `shipmate serve` at boot and again whenever it stops (Restart=always)."""
    exec_start = [sys.executable, "-m", "shipmate", "serve", "--port", str(port)]
    for spec in spec_files:
        exec_start += ["-f", str(Path(spec).expanduser().absolute())]
    state = os.environ.get("XDG_STATE_HOME", "")
    env_line = f"Environment=XDG_STATE_HOME={state}\n" if state else ""
    return ("[Unit]\nDescription=shipmate serve: supervises every registered shipmate release\n"
            "After=network-online.target docker.service\nWants=network-online.target\n\n"
            f"[Service]\nType=simple\nUser={getpass.getuser()}\n{env_line}"
            f"ExecStart={shlex.join(exec_start)}\nRestart=always\nRestartSec=1\nKillMode=process\n\n"
            "[Install]\nWantedBy=multi-user.target\n")
