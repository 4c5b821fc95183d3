"""Inline SVG charts (line and bar series -> one ``<svg>`` string), pure: no I/O, no state.

Used by the reports and the dashboard, so both draw the same way. A value of ``None`` is a bucket
with no data: it is left empty (a line breaks, no bar is drawn) and is never drawn as zero, so a
chart never shows a bucket where there was none (fourkeys #116). Every text is XML-escaped; the
chart carries ``role="img"`` with a ``<title>`` and ``<desc>`` for screen readers.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Literal

ChartKind = Literal["line", "bar"]
XScale = Callable[[int], float]     # bucket index -> x pixel (centre of its slot)
YScale = Callable[[float], float]   # value -> y pixel

# Colour-blind safe (Okabe-Ito); the legend names each series, so colour is never the only cue.
PALETTE: tuple[str, ...] = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")

_MARGIN_LEFT, _MARGIN_RIGHT, _MARGIN_TOP, _MARGIN_BOTTOM = 56, 16, 28, 44
_MAX_X_LABELS = 12


@dataclass(frozen=True)
class Series:
    """One named series; ``values[i]`` belongs to ``Chart.x_labels[i]``; ``None`` = no data there."""

    name: str
    values: Sequence[float | None]


@dataclass(frozen=True)
class Chart:
    title: str
    x_labels: Sequence[str]
    series: Sequence[Series]
    kind: ChartKind = "line"
    y_label: str = ""
    unit: str = ""                      # appended to y tick labels, e.g. "%" or " s"
    y_max: float | None = None          # fixed top of the scale (e.g. 100 for percentages)
    width: int = 640
    height: int = 240
    description: str = field(default="")  # longer text for <desc>; a summary is made when empty
    chart_id: str = ""                  # unique per page (aria ids); derived from the content when empty


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Ticks 0..>=top on a 1-2-5 step (0, 2, 4, ... never 0, 1.7, 3.4); at least [0, 1]."""
    if not math.isfinite(top) or top <= 0:
        return [0.0, 1.0]
    raw = top / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    ticks = [0.0]
    while ticks[-1] < top - 1e-9:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def format_number(value: float) -> str:
    """Short label: integers without a point, else up to two significant decimals."""
    if float(value).is_integer():
        return str(int(value))
    if abs(value) >= 10:
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{value:.2f}".rstrip("0").rstrip(".")


def render_svg(chart: Chart) -> str:
    """The chart as a standalone inline ``<svg>`` element (no scripts, no external references)."""
    n = len(chart.x_labels)
    for s in chart.series:
        if len(s.values) != n:
            raise ValueError(f"series {s.name!r} has {len(s.values)} values for {n} x labels")
    present = [v for s in chart.series for v in s.values if v is not None]
    top = chart.y_max if chart.y_max is not None else max([0.0, *present])
    ticks = nice_ticks(top)
    scale_top = ticks[-1]
    plot_w = chart.width - _MARGIN_LEFT - _MARGIN_RIGHT
    plot_h = chart.height - _MARGIN_TOP - _MARGIN_BOTTOM
    slot = plot_w / n if n else plot_w

    def x_at(i: int) -> float:
        return _MARGIN_LEFT + slot * (i + 0.5)

    def y_at(value: float) -> float:
        clamped = min(max(value, 0.0), scale_top)
        return _MARGIN_TOP + plot_h - plot_h * clamped / scale_top

    title = escape(chart.title)
    cid = escape(chart.chart_id or _derived_id(chart))
    desc = escape(chart.description or _summary(chart, present))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{chart.kind}" role="img" '
        f'aria-labelledby="{cid}-t {cid}-d" viewBox="0 0 {chart.width} {chart.height}" '
        f'width="{chart.width}" height="{chart.height}">',
        f'<title id="{cid}-t">{title}</title>',
        f'<desc id="{cid}-d">{desc}</desc>',
        f'<text class="chart-title" x="{_MARGIN_LEFT}" y="16" font-size="13" font-weight="600">{title}</text>',
    ]
    parts += _axes(chart, ticks, x_at, y_at, plot_h)
    if not present:
        parts.append(f'<text class="no-data" x="{_MARGIN_LEFT + plot_w / 2:.1f}" y="{_MARGIN_TOP + plot_h / 2:.1f}" '
                     'text-anchor="middle" font-size="12" fill="#555">no data</text>')
    elif chart.kind == "bar":
        parts += _bars(chart, slot, x_at, y_at)
    else:
        parts += _lines(chart, x_at, y_at)
    parts += _legend(chart)
    parts.append("</svg>")
    return "".join(parts)


def _derived_id(chart: Chart) -> str:
    digest = hashlib.sha1(repr((chart.title, tuple(chart.x_labels), chart.kind)).encode(), usedforsecurity=False)
    return "chart-" + digest.hexdigest()[:10]


def _summary(chart: Chart, present: list[float]) -> str:
    if not present:
        return f"{chart.title}: no data in any of {len(chart.x_labels)} buckets."
    empty = sum(1 for s in chart.series for v in s.values if v is None)
    text = (f"{chart.kind} chart of {', '.join(s.name for s in chart.series)} over {len(chart.x_labels)} buckets; "
            f"lowest {format_number(min(present))}{chart.unit}, highest {format_number(max(present))}{chart.unit}")
    return text + (f"; {empty} buckets without data." if empty else ".")


def _axes(chart: Chart, ticks: list[float], x_at: XScale, y_at: YScale, plot_h: float) -> list[str]:
    right = chart.width - _MARGIN_RIGHT
    out = ['<g class="axes" font-size="10" fill="#333">']
    for tick in ticks:
        y = y_at(tick)
        out.append(f'<line x1="{_MARGIN_LEFT}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#ddd" />')
        out.append(f'<text x="{_MARGIN_LEFT - 4}" y="{y + 3:.1f}" text-anchor="end">'
                   f"{escape(format_number(tick) + chart.unit)}</text>")
    base = _MARGIN_TOP + plot_h
    out.append(f'<line x1="{_MARGIN_LEFT}" y1="{base:.1f}" x2="{right}" y2="{base:.1f}" stroke="#333" />')
    every = max(1, math.ceil(len(chart.x_labels) / _MAX_X_LABELS))
    for i, label in enumerate(chart.x_labels):
        if i % every == 0:
            out.append(f'<text x="{x_at(i):.1f}" y="{base + 14:.1f}" text-anchor="middle">{escape(label)}</text>')
    if chart.y_label:
        mid = _MARGIN_TOP + plot_h / 2
        out.append(f'<text class="y-label" x="12" y="{mid:.1f}" text-anchor="middle" '
                   f'transform="rotate(-90 12 {mid:.1f})">{escape(chart.y_label)}</text>')
    out.append("</g>")
    return out


def _bars(chart: Chart, slot: float, x_at: XScale, y_at: YScale) -> list[str]:
    count = len(chart.series)
    width = slot * 0.8 / count
    base = y_at(0.0)
    out: list[str] = []
    for k, s in enumerate(chart.series):
        colour = PALETTE[k % len(PALETTE)]
        out.append(f'<g class="series" data-series="{escape(s.name)}" fill="{colour}">')
        for i, value in enumerate(s.values):
            if value is None:
                continue   # no data: nothing drawn, not a zero bar
            x = x_at(i) - slot * 0.4 + k * width
            y = y_at(value)
            # A real zero still gets a 1 px sliver, so "0" and "no data" look different.
            height = max(base - y, 1.0)
            out.append(f'<rect class="bar" x="{x:.1f}" y="{base - height:.1f}" width="{width:.1f}" '
                       f'height="{height:.1f}"><title>{escape(chart.x_labels[i])}: '
                       f"{escape(format_number(value) + chart.unit)}</title></rect>")
        out.append("</g>")
    return out


def _lines(chart: Chart, x_at: XScale, y_at: YScale) -> list[str]:
    out: list[str] = []
    for k, s in enumerate(chart.series):
        colour = PALETTE[k % len(PALETTE)]
        out.append(f'<g class="series" data-series="{escape(s.name)}" stroke="{colour}" fill="{colour}">')
        for run in _runs(s.values):
            points = " ".join(f"{x_at(i):.1f},{y_at(v):.1f}" for i, v in run)
            if len(run) > 1:
                out.append(f'<polyline class="line" fill="none" stroke-width="2" points="{points}" />')
            for i, v in run:
                out.append(f'<circle class="point" cx="{x_at(i):.1f}" cy="{y_at(v):.1f}" r="2.5">'
                           f"<title>{escape(chart.x_labels[i])}: {escape(format_number(v) + chart.unit)}</title>"
                           "</circle>")
        out.append("</g>")
    return out


def _runs(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """Consecutive present values; a ``None`` ends a run, so the line has a gap there."""
    runs: list[list[tuple[int, float]]] = []
    current: list[tuple[int, float]] = []
    for i, value in enumerate(values):
        if value is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append((i, value))
    if current:
        runs.append(current)
    return runs


def _legend(chart: Chart) -> list[str]:
    if len(chart.series) < 2:
        return []
    y = chart.height - 8
    out = ['<g class="legend" font-size="10">']
    x = float(_MARGIN_LEFT)
    for k, s in enumerate(chart.series):
        out.append(f'<rect x="{x:.1f}" y="{y - 8}" width="10" height="10" fill="{PALETTE[k % len(PALETTE)]}" />')
        out.append(f'<text x="{x + 14:.1f}" y="{y}">{escape(s.name)}</text>')
        x += 24 + 7 * len(s.name)
    out.append("</g>")
    return out
