"""Talk to (and start) the router daemon of one state dir over its JSON-lines Unix socket.

``RouterClient`` is the built-in ``shipmate.traffic.TrafficRouter``. Stdlib (and the plain-data
traffic module) only: the CLI imports this on every deploy and must start fast.
"""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from shipmate.errors import NotFoundError, PrerequisiteMissingError, ShipmateError, StaleFencingError, TargetError
from shipmate.router.fingerprint import code_fingerprint
from shipmate.router.paths import RouterPaths
from shipmate.traffic import Backend, DrainResult, RouteSpec, RouteStats

REQUEST_TIMEOUT = 5.0
POLL_INTERVAL = 0.02

# Keep spawned daemons referenced: Popen.__del__ would warn about a child still running.
_spawned: list[subprocess.Popen[bytes]] = []




class RouterClient:
    def __init__(self, state_dir: Path, *, request_timeout: float = REQUEST_TIMEOUT) -> None:
        self.paths = RouterPaths.for_home(state_dir)
        self.request_timeout = request_timeout
        self._upgrade_tried = False

    # -- transport -------------------------------------------------------------------------

    def _request(self, op: str, **fields: Any) -> dict[str, Any]:
        """One request, one reply; any failure to reach the daemon is a TargetError."""
        payload = json.dumps({"op": op, **fields}).encode() + b"\n"
        sock_path = str(self.paths.socket_path)
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(self.request_timeout)
                sock.connect(sock_path)
                sock.sendall(payload)
                buf = b""
                while not buf.endswith(b"\n"):
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    buf += chunk
        except (OSError, TimeoutError) as exc:
            raise TargetError(
                f"router for {self.paths.state_dir} is not reachable ({exc.__class__.__name__}: {exc})",
                hint=f"start it with `shipmate` again or see {self.paths.log_file}",
            ) from exc
        try:
            reply: dict[str, Any] = json.loads(buf)
        except ValueError as exc:
            raise TargetError(
                f"router for {self.paths.state_dir} sent a malformed reply to {op!r}",
                hint=f"see {self.paths.log_file}",
            ) from exc
        return reply

    def _call(self, op: str, **fields: Any) -> dict[str, Any]:
        reply = self._request(op, **fields)
        if reply.get("ok"):
            return reply
        error = reply.get("error") or {}
        code, message = str(error.get("code", "error")), str(error.get("message", "unknown error"))
        port = fields.get("port")
        if code == "not_found":
            raise NotFoundError(message, hint="list routes with the router's `routes` op")
        if code == "stale_fencing":
            raise StaleFencingError(
                f"router refused {op} on port {port}: {message}",
                hint="another shipmate took the deployment lock over; this one must stop")
        if code in ("port_in_use", "bind_failed"):
            raise PrerequisiteMissingError(
                f"port {port} is already in use" if code == "port_in_use"
                else f"port {port} cannot be opened: {message}",
                hint=f"stop whatever listens on 127.0.0.1:{port} (see `ss -ltnp 'sport = :{port}'`)"
                " or choose another port",
            )
        raise TargetError(f"router refused {op}: {message}", hint=f"see {self.paths.log_file}")

    # -- lifecycle -------------------------------------------------------------------------

    def is_running(self) -> bool:
        try:
            return bool(self._request("ping").get("ok"))
        except TargetError:
            return False

    def ensure_running(self, timeout: float = 10.0) -> None:
        """Make sure the daemon is up (spawned detached when nobody answers; it restores its table) and
        runs this shipmate's router code: one left over from before an upgrade is replaced through the
        socket hand-over, so the public ports stay open (tried once per client)."""
        self.ensure_daemon(timeout)
        if self._upgrade_tried:
            return
        self._upgrade_tried = True
        try:
            running = self._call("ping").get("code")
        except TargetError:
            return
        if running is not None and running != code_fingerprint():
            try:
                self.restart(timeout)
            except ShipmateError as exc:  # the old daemon keeps serving: correct, only not the newest code
                logging.getLogger("shipmate.router").warning("router upgrade hand-over failed: %s", exc)

    def daemon_pid(self) -> int | None:
        try:
            return int(self._call("ping")["pid"])
        except (TargetError, KeyError, ValueError):
            return None

    def ensure_daemon(self, timeout: float = 10.0) -> int:
        """Return the daemon's pid, spawning it detached first when nobody answers."""
        try:
            return int(self._call("ping")["pid"])
        except TargetError:
            pass
        self.paths.router_dir.mkdir(parents=True, exist_ok=True)
        with open(self.paths.log_file, "ab") as log_file:
            proc = subprocess.Popen(
                [sys.executable, "-m", "shipmate.router", "--home", str(self.paths.state_dir)],
                stdin=subprocess.DEVNULL, stdout=log_file, stderr=log_file,
                start_new_session=True, close_fds=True, cwd="/",
            )
        _spawned.append(proc)
        deadline = time.monotonic() + timeout
        while True:
            try:
                return int(self._call("ping")["pid"])
            except TargetError:
                pass
            code = proc.poll()
            if (code is not None and code != 0) or time.monotonic() >= deadline:
                break  # exit 0 means another starter won the lock: keep polling for it
            time.sleep(POLL_INTERVAL)
        raise PrerequisiteMissingError(
            f"the router for {self.paths.state_dir} did not start within {timeout:g}s"
            + (f" (exit code {code})" if code is not None else ""),
            hint=f"see {self.paths.log_file}",
        )

    def restart(self, timeout: float = 20.0) -> int:
        """Replace the running daemon (e.g. after an upgrade) without closing its public ports; new pid."""
        if not self.is_running():
            return self.ensure_daemon(timeout)
        # The daemon starts its successor itself, handing down its listening sockets.
        new_pid = int(self._call("restart")["pid"])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if int(self._call("ping")["pid"]) == new_pid:
                    return new_pid
            except TargetError:
                pass
            time.sleep(POLL_INTERVAL)
        raise PrerequisiteMissingError(f"the router for {self.paths.state_dir} was not replaced within {timeout:g}s",
                                       hint=f"see {self.paths.log_file}")

    def shutdown(self) -> None:
        self._call("shutdown")

    def shutdown_if_idle(self) -> bool:
        return bool(self._call("shutdown_if_idle")["stopping"])

    # -- TrafficRouter ----------------------------------------------------------------------

    def set_backends(self, route: RouteSpec, backends: Sequence[Backend], *, fencing: int,
                     timeouts: dict[str, float] | None = None) -> None:
        """Atomically replace the route's backends. ``timeouts`` (head_timeout_s, response_timeout_s,
        idle_timeout_s) is this router's own extra; the engine leaves it at the defaults."""
        self._call("set_backends", port=route.port, service=route.service, environment=route.environment,
                   mode=route.mode, hold_s=route.hold_s, sticky=route.sticky, fencing=fencing,
                   backends=[asdict(b) for b in backends], **(timeouts or {}))

    def remove(self, port: int, *, fencing: int, close_connections: bool = False) -> None:
        self._call("remove_route", port=port, fencing=fencing, close_connections=close_connections)

    def stats(self, port: int) -> RouteStats | None:
        try:
            return RouteStats.from_dict(self._call("stats", port=port))
        except NotFoundError:
            return None

    def drain(self, port: int, address: str, timeout_s: float) -> DrainResult:
        """Poll until ``address`` has nothing in flight (idle pooled connections close at once)."""
        start = time.monotonic()
        deadline = start + timeout_s
        while True:
            stats = self.stats(port)
            backend = stats.backend(address) if stats is not None else None
            in_flight = backend.in_flight if backend is not None else 0
            if in_flight == 0 or time.monotonic() >= deadline:
                return DrainResult(drained=in_flight == 0, in_flight=in_flight, waited_s=time.monotonic() - start)
            time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))

    def routes(self) -> list[dict[str, Any]]:
        routes: list[dict[str, Any]] = self._call("routes")["routes"]
        return routes


__all__ = ["RouterClient"]
