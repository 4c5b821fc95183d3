"""`shipmate uptime`: uptime over 24 h / 7 d / 30 d and the SLO window, the error budget left, the incidents."""

from __future__ import annotations

import time

from shipmate.ops.common.reading import service_and_envs
from shipmate.ops.common.uptime_reading import slo_window_length, slo_window_start, uptime_over
from shipmate.ops.common.workspace import Workspace
from shipmate.ops.results.uptime import EnvironmentUptime, UptimeResult, UptimeWindow

WINDOWS = (("24h", 86400.0), ("7d", 7 * 86400.0), ("30d", 30 * 86400.0))


def uptime(spec_file: str | None, *, environment: str | None = None, now: float | None = None) -> UptimeResult:
    """Read from the store `serve` writes (a face keeps no figures of its own)."""
    from shipmate.spec.loader import load_spec
    from shipmate.store.store import Store

    ws = Workspace.locate(spec_file)
    service, envs = service_and_envs(ws, environment)
    if not (ws.home / "state.db").is_file():
        return UptimeResult(service, [], never_deployed=True)
    now = time.time() if now is None else now
    out: list[EnvironmentUptime] = []
    with Store.open(ws.home) as store:
        for env in envs:
            slo = load_spec(ws.spec_path, environment=env).spec.slo
            windows = []
            for name, seconds in WINDOWS:
                p = uptime_over(store, service, env, since=now - seconds, until=now, now=now)
                windows.append(UptimeWindow(name, seconds, p.checks, p.uptime_percent))
            budget = None
            longest = now - WINDOWS[-1][1]
            if slo is not None:
                since = slo_window_start(slo.window, now)
                p = uptime_over(store, service, env, since=since, until=now, target_percent=slo.target,
                                budget_window=slo.window, budget_seconds=slo_window_length(slo.window, now), now=now)
                windows.append(UptimeWindow(f"slo ({slo.window})", now - since, p.checks, p.uptime_percent))
                budget, longest = p.error_budget, min(longest, since)
            incidents = store.uptime.incidents(service, env, longest, now)
            shown = uptime_over(store, service, env, since=longest, until=now, now=now).incidents
            out.append(EnvironmentUptime(env, windows, budget, list(reversed(shown)),
                                         down=any(i.open for i in incidents)))
    return UptimeResult(service, out)
