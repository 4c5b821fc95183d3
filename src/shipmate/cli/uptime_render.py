"""How `shipmate uptime` reads in a terminal (the `--json` object is the ops result itself)."""

from __future__ import annotations

import time
from typing import Any


def _percent(value: float | None) -> str:
    return "no data" if value is None else f"{value:.3f} %"


def _duration(seconds: float) -> str:
    whole = round(seconds)
    if whole < 120:
        return f"{whole}s"
    if whole < 7200:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"


def _when(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(at))


def render_uptime(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if result.get("never_deployed"):
        console.print(f"{result['service']}: never deployed here, so never checked.", markup=False)
        return
    for env in result["environments"]:
        table = Table(title=f"{result['service']}/{env['environment']} uptime"
                      + (" (DOWN now)" if env["down"] else ""), title_justify="left")
        for col in ("window", "uptime", "checks"):
            table.add_column(col)
        for w in env["windows"]:
            table.add_row(w["window"], _percent(w["uptime_percent"]), str(w["checks"]))
        console.print(table)
        slo = env.get("slo")
        if slo:
            console.print(f"SLO {slo['target_percent']} % over {slo['window']}: error budget "
                          f"{slo['left_minutes']:.1f} of {slo['allowed_minutes']:.1f} min left "
                          f"({slo['spent_minutes']:.1f} min spent)", markup=False)
        else:
            console.print("no SLO set (add slo: {target: 99.9, window: 30d} to the spec)", markup=False)
        if not env["incidents"]:
            console.print("no incidents", markup=False)
        for inc in env["incidents"]:
            end = "still down" if inc["ended_at"] is None else f"up at {_when(inc['ended_at'])}"
            console.print(f"  down {_when(inc['started_at'])}, {end}, {_duration(inc['duration_seconds'])}: "
                          f"{inc['cause'][:100]}", markup=False)
