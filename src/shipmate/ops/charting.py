"""The monitor window's chart for a face that shows pictures (the dashboard): the verdict's per-tick series
drawn as inline SVG by the one chart module (analysis/svg_chart.py), error rate and p95, new beside stable."""

from __future__ import annotations

from typing import Any


def window_charts(verdict: dict[str, Any] | None, *, chart_id: str = "window") -> list[str]:
    """[error rate chart, p95 chart] as `<svg>` strings; [] when the verdict kept no series (older verdicts)."""
    from shipmate.analysis.svg_chart import Chart, Series, render_svg

    series = ((verdict or {}).get("evidence") or {}).get("series") or {}
    points: list[dict[str, Any]] = list(series.get("points") or [])
    if not points:
        return []
    labels = [f"{p['t']:g}s" for p in points]
    compared = any(p.get("stable") for p in points)
    source = "router traffic" if series.get("source") == "router" else "probe ticks"

    def values(side: str, key: str, scale: float = 1.0) -> list[float | None]:
        out: list[float | None] = []
        for point in points:
            value = (point.get(side) or {}).get(key)
            out.append(None if value is None else round(float(value) * scale, 4))
        return out

    def lines(key: str, scale: float = 1.0) -> list[Series]:
        drawn = [Series("new", values("new", key, scale))]
        return [*drawn, Series("stable", values("stable", key, scale))] if compared else drawn

    rate = Chart(f"Error rate per tick ({source})", labels, lines("error_rate", 100.0), unit="%",
                 y_label="errors", chart_id=f"{chart_id}-errors")
    p95 = Chart(f"p95 latency per tick ({source})", labels, lines("p95_ms"), unit=" ms", y_label="p95",
                chart_id=f"{chart_id}-p95")
    return [render_svg(rate), render_svg(p95)]
