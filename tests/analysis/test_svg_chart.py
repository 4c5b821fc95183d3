"""Inline SVG charts as tables: scales, gaps where there is no data, escaping, accessibility."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from shipmate.analysis.svg_chart import Chart, Series, format_number, nice_ticks, render_svg

NS = {"s": "http://www.w3.org/2000/svg"}


def _parse(chart: Chart) -> ET.Element:
    return ET.fromstring(render_svg(chart))


@pytest.mark.parametrize(("top", "ticks"), [
    (0.0, [0.0, 1.0]),
    (-3.0, [0.0, 1.0]),
    (float("nan"), [0.0, 1.0]),
    (1.0, [0.0, 0.25, 0.5, 0.75, 1.0]),
    (7.0, [0.0, 2.0, 4.0, 6.0, 8.0]),
    (10.0, [0.0, 2.5, 5.0, 7.5, 10.0]),
    (100.0, [0.0, 25.0, 50.0, 75.0, 100.0]),
    (37.0, [0.0, 10.0, 20.0, 30.0, 40.0]),
    (0.03, [0.0, 0.01, 0.02, 0.03]),
])
def test_ticks_start_at_zero_on_a_1_2_5_step_and_cover_the_top(top: float, ticks: list[float]) -> None:
    assert nice_ticks(top) == ticks


@pytest.mark.parametrize(("value", "text"), [(3.0, "3"), (0.25, "0.25"), (12.345, "12.3"), (0.1, "0.1"),
                                             (99.95, "100"), (1.5, "1.5")])
def test_numbers_are_labelled_short(value: float, text: str) -> None:
    assert format_number(value) == text


@pytest.mark.parametrize(("values", "bars"), [
    ([1.0, 2.0, 3.0], 3),
    ([1.0, None, 3.0], 2),        # a bucket with no data gets no bar (fourkeys #116)
    ([None, None, 0.0], 1),       # a real zero is drawn (a sliver), no-data is not
    ([0.0, 0.0, 0.0], 3),
])
def test_bars_are_drawn_only_where_there_is_data(values: list[float | None], bars: int) -> None:
    root = _parse(Chart("Deploys per day", ["a", "b", "c"], [Series("deploys", values)], kind="bar"))
    rects = root.findall(".//s:rect[@class='bar']", NS)
    assert len(rects) == bars
    assert all(float(r.get("height", "0")) >= 1.0 for r in rects)


@pytest.mark.parametrize(("values", "polylines", "points"), [
    ([1.0, 2.0, 3.0, 4.0], 1, 4),
    ([1.0, 2.0, None, 4.0, 5.0], 2, 4),     # the line breaks at the gap instead of bridging it
    ([1.0, None, 3.0, None, 5.0], 0, 3),    # isolated values are points, never joined
    ([None, None], 0, 0),
])
def test_lines_break_where_there_is_no_data(values: list[float | None], polylines: int, points: int) -> None:
    labels = [str(i) for i in range(len(values))]
    root = _parse(Chart("Failure rate", labels, [Series("rate", values)]))
    assert len(root.findall(".//s:polyline", NS)) == polylines
    assert len(root.findall(".//s:circle[@class='point']", NS)) == points


def test_a_chart_without_any_data_says_so_and_draws_nothing() -> None:
    root = _parse(Chart("Uptime", ["mon", "tue"], [Series("web", [None, None])], kind="bar", unit="%"))
    assert root.find(".//s:rect[@class='bar']", NS) is None
    no_data = root.find(".//s:text[@class='no-data']", NS)
    assert no_data is not None and no_data.text == "no data"
    desc = root.find("s:desc", NS)
    assert desc is not None and "no data" in (desc.text or "")


def test_values_scale_against_the_axis_and_a_fixed_top() -> None:
    svg = Chart("Uptime", ["a", "b"], [Series("web", [50.0, 100.0])], kind="bar", y_max=100.0, height=244)
    rects = _parse(svg).findall(".//s:rect[@class='bar']", NS)
    heights = [float(r.get("height", "0")) for r in rects]
    plot_height = 244 - 28 - 44
    assert heights == [plot_height / 2, plot_height]
    labels = [t.text for t in _parse(svg).findall(".//s:g[@class='axes']/s:text", NS)]
    assert labels[:5] == ["0", "25", "50", "75", "100"]


def test_text_is_escaped_everywhere() -> None:
    evil = '<script>alert("x")</script> & co'
    svg = render_svg(Chart(evil, [evil], [Series(evil, [1.0]), Series("b", [2.0])], kind="bar", y_label=evil))
    assert "<script>" not in svg
    root = ET.fromstring(svg)   # still well-formed XML
    title = root.find("s:title", NS)
    assert title is not None and title.text == evil


def test_the_chart_is_labelled_for_screen_readers_with_ids_unique_per_chart() -> None:
    a = _parse(Chart("Deploys", ["x"], [Series("d", [1.0])]))
    b = _parse(Chart("Failures", ["x"], [Series("d", [1.0])]))
    assert a.get("role") == "img"
    title, desc = a.find("s:title", NS), a.find("s:desc", NS)
    assert title is not None and desc is not None
    assert a.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert a.get("aria-labelledby") != b.get("aria-labelledby")
    fixed = _parse(Chart("Deploys", ["x"], [Series("d", [1.0])], chart_id="deploys"))
    assert fixed.get("aria-labelledby") == "deploys-t deploys-d"


def test_several_series_get_a_legend_and_distinct_colours() -> None:
    root = _parse(Chart("p95", ["1", "2"], [Series("new", [1.0, 2.0]), Series("stable", [1.5, 1.0])]))
    groups = root.findall(".//s:g[@class='series']", NS)
    assert [g.get("data-series") for g in groups] == ["new", "stable"]
    assert groups[0].get("stroke") != groups[1].get("stroke")
    legend = [t.text for t in root.findall(".//s:g[@class='legend']/s:text", NS)]
    assert legend == ["new", "stable"]


def test_x_labels_are_thinned_when_there_are_many() -> None:
    labels = [f"d{i}" for i in range(31)]
    root = _parse(Chart("Month", labels, [Series("d", [1.0] * 31)], kind="bar"))
    x_texts = [t.text for t in root.findall(".//s:g[@class='axes']/s:text", NS) if (t.text or "").startswith("d")]
    assert 1 < len(x_texts) <= 12 and x_texts[0] == "d0"


def test_a_series_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="series 'd' has 1 values for 2 x labels"):
        render_svg(Chart("x", ["a", "b"], [Series("d", [1.0])]))
