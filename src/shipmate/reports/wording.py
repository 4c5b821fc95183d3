"""How a report says its figures: durations, percentages, counts and the status beside a DORA key."""

from __future__ import annotations

from typing import Any

NAMES = {"deployment_frequency": "Deployment frequency", "lead_time": "Lead time for changes",
         "change_failure_rate": "Change failure rate", "recovery_time": "Failed deployment recovery time"}


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.0f} s" if seconds >= 10 else f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    if seconds < 86_400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86_400:.1f} d"


def percent(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f} %"


def rate(r: dict[str, Any]) -> str:
    return f"{percent(r['percent'])} ({r['count']} of {r['of']})"


def metric_value(m: dict[str, Any]) -> str:
    if m["value"] is None:
        return str(m["status"])
    if m["unit"] == "s":
        return duration(m["value"])
    if m["unit"] == "%":
        return percent(m["value"])
    return f"{m['value']:.1f} {m['unit']}"


def metric_counts(m: dict[str, Any]) -> str:
    c = m["counts"]
    key = m["key"]
    if key == "deployment_frequency":
        return (f"{c['deployments']} successful deployments on {c['deployment_days']} days "
                f"over {c['weeks']} week(s)")
    if key == "lead_time":
        if "measured" not in c:
            return f"{c['deployments']} successful deployments"
        return f"{c['measured']} of {c['deployments']} successful deployments with a known commit time"
    if key == "change_failure_rate":
        return f"{c['failed']} failed of {c['deployments']} deployments"
    return f"{c['recovered']} recovered of {c['failures']} failures ({c['not_recovered']} not recovered)"


def metric_status(m: dict[str, Any]) -> str:
    """The band, or why there is none (with the note's reason)."""
    return str(m["band"] if m["band"] is not None else (m["note"] or m["status"]))
