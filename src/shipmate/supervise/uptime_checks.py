"""The outside check of one service: the spec's application checks aimed at the public port (the path users
take, through the router or the published port), never at an instance."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shipmate.model import Phase
from shipmate.probes.command import CommandProbe
from shipmate.probes.http import HttpProbe
from shipmate.probes.tcp import TcpProbe
from shipmate.release_config import ReleaseConfig

if TYPE_CHECKING:
    from shipmate.probes.base import Probe

HOST = "127.0.0.1"


@dataclass(frozen=True)
class CheckOutcome:
    ok: bool
    latency_ms: float | None
    detail: str


def public_checks(config: ReleaseConfig, timeout: float) -> list[Probe]:
    """http checks and command checks as the spec has them; a bare TCP connect when it has no http check."""
    port = config.port
    probes: list[Probe] = []
    checks: tuple[dict[str, Any], ...] = config.health.checks
    for check in checks:
        kind, args = next(iter(check.items()))
        args = args or {}
        if kind == "http":
            path = str(args.get("path", "/"))
            probes.append(HttpProbe(HOST, port, path, status=int(args.get("status", 200)),
                                    body_contains=args.get("body_contains"), json_expect=args.get("json"),
                                    timeout=timeout, name=f"public :{port}{path}"))
        elif kind == "command":
            env = {**os.environ, **config.env, "PORT": str(port)}
            probes.append(CommandProbe(list(args["argv"]), cwd=config.run_cwd, env=env,
                                       timeout=min(timeout, float(args.get("timeout", timeout)))))
    if not any(isinstance(p, HttpProbe) for p in probes):
        probes.insert(0, TcpProbe(HOST, port, timeout, name=f"public tcp :{port}"))
    return probes


def check_once(probes: list[Probe]) -> CheckOutcome:
    """Every probe once; the latency is the first probe's (the request a user makes)."""
    results = [probe.run() for probe in probes]
    failing = [r for r in results if r.phase is not Phase.PASS]
    latency = results[0].latency_ms if results else None
    return CheckOutcome(ok=not failing, latency_ms=latency,
                        detail="; ".join(f"{r.probe}: {r.detail}" for r in failing)[:500])
