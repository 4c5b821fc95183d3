"""Turn a release's health checks into probes aimed at one instance."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from shipmate.model import InstanceRef, Phase, ProbeResult
from shipmate.probes.command import CommandProbe
from shipmate.probes.container_health import ContainerHealthProbe
from shipmate.probes.http import HttpProbe
from shipmate.probes.listening import ListeningProbe
from shipmate.probes.mcp_level import McpListProbe
from shipmate.probes.process import ProcessProbe
from shipmate.probes.tcp import TcpProbe
from shipmate.release_config import ReleaseConfig

if TYPE_CHECKING:
    from shipmate.probes.base import Probe
    from shipmate.targets.base import Target

HOST = "127.0.0.1"


def instance_probes(config: ReleaseConfig, target: Target, ref: InstanceRef, *, protocol: bool = False
                    ) -> list[Probe]:
    """Process liveness first (cheapest, and fatal when it fails), then the spec's checks; ``protocol`` adds
    level 4 (MCP tools/list) when health.levels.mcp is set: the deploy gate runs it, the monitor does not."""
    return [probe for _, probe in leveled_probes(config, target, ref, protocol=protocol)]


def leveled_probes(config: ReleaseConfig, target: Target, ref: InstanceRef, *, protocol: bool = False
                   ) -> list[tuple[int, Probe]]:
    """Each probe with its health level (1 instance, 2 endpoint, 3 application, 4 protocol), in level order."""
    timeout = config.health.timeout_s
    probes: list[tuple[int, Probe]] = [(1, ProcessProbe(target, ref))]
    checks: tuple[dict[str, Any], ...] = config.health.checks or ({"tcp": {}},)
    for check in checks:
        kind, args = next(iter(check.items()))
        args = args or {}
        if kind == "http":
            probes.append((3, HttpProbe(ref.host, ref.port, args.get("path", "/"),
                                        status=int(args.get("status", 200)), body_contains=args.get("body_contains"),
                                        json_expect=args.get("json"), timeout=timeout)))
        elif kind == "tcp":
            if target.capabilities.port_proxied:
                probes.append((2, ListeningProbe(target, ref)))   # the proxy accepts before the app listens
            probes.append((2, TcpProbe(ref.host, ref.port, timeout)))
        elif kind == "command":
            env = {**os.environ, **config.env, "PORT": str(ref.port)}
            probes.append((3, CommandProbe(list(args["argv"]), cwd=config.run_cwd, env=env,
                                           timeout=float(args.get("timeout", 5.0)))))
        # "process" is already the first probe
    levels = config.health.levels
    if target.capabilities.engine_health_check and levels.get("application", True):
        probes.append((3, ContainerHealthProbe(target, ref)))   # the image's HEALTHCHECK, when it has one
    if protocol and levels.get("mcp"):
        probes.append((4, McpListProbe(levels["mcp"], ref.host, ref.port)))
    return sorted(probes, key=lambda pair: pair[0])


def public_probe(config: ReleaseConfig, timeout: float) -> Probe:
    """What a user sees: the release through the router's public port."""
    path = config.monitor.path
    if path is None:
        return TcpProbe(HOST, config.port, timeout, name=f"public tcp :{config.port}")
    return HttpProbe(HOST, config.port, path, timeout=timeout, name=f"public :{config.port}{path}")


def run_all(probes: list[Probe]) -> list[ProbeResult]:
    """Run in order, stopping at a dead process: the rest would only fail slowly."""
    results: list[ProbeResult] = []
    for probe in probes:
        result = probe.run()
        results.append(result)
        if result.phase is not Phase.PASS and isinstance(probe, ProcessProbe):
            break
    return results
