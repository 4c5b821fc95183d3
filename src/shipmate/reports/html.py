"""A report as one self-contained HTML page: tables, inline SVG charts, print CSS (Jinja2, autoescaped)."""

from __future__ import annotations

from typing import Any

from shipmate.analysis.svg_chart import Chart, Series, render_svg
from shipmate.reports import wording


def charts(report: dict[str, Any]) -> list[str]:
    """Deploys per day, change failure rate, recovery time and uptime, as inline SVG (days without data empty)."""
    daily = report["current"]["daily"]
    labels = daily["labels"]
    out = [
        Chart("Production deployments per day", labels, [Series("deployments", daily["deploys"])], kind="bar",
              y_label="deployments", chart_id="deploys"),
        Chart("Change failure rate per day", labels, [Series("failure rate", daily["failure_rate"])],
              y_label="% failed", unit="%", y_max=100.0, chart_id="failure-rate"),
        Chart("Recovery time of failed deployments", labels,
              [Series("median recovery", daily["recovery_minutes"])], kind="bar", y_label="minutes", unit=" min",
              chart_id="recovery"),
    ]
    uptime = report["current"]["uptime"]
    if uptime:
        out.append(Chart("Uptime per day", labels, [Series(u["service"], u["daily_percent"]) for u in uptime],
                         y_label="% up", unit="%", y_max=100.0, chart_id="uptime"))
    return [render_svg(c) for c in out]


def render_html(report: dict[str, Any]) -> str:
    """``report``: ReportResult.to_json()."""
    from jinja2 import Environment, PackageLoader
    from markupsafe import Markup

    env = Environment(loader=PackageLoader("shipmate.reports", "templates"), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(duration=wording.duration, percent=wording.percent, rate=wording.rate,
                       metric_value=wording.metric_value, metric_counts=wording.metric_counts,
                       metric_status=wording.metric_status)
    template = env.get_template("report.html.j2")
    # render_svg escapes every text it draws, so its output is safe markup.
    return template.render(r=report, names=wording.NAMES, charts=[Markup(svg) for svg in charts(report)])
