"""`shipmate report` as a user runs it: formats, bad input (exit 2, one line), the JSON shape pinned, and the
HTML page as a real browser (chromium) lays it out."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from shipmate.store import Store
from tests.cli.test_json_shapes import SHAPES, shape
from tests.engines import engine_unavailable
from tests.ops.report_history import COMMITS, SPEC, History, git_project, install_clock, week_of_history


def _run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SHIPMATE_HOME"}
    return subprocess.run([sys.executable, "-m", "shipmate", "report", "-f", str(project / "shipmate.yaml"), *args],
                          capture_output=True, text=True, timeout=120, env=env, check=False)


@pytest.fixture
def empty(tmp_path: Path) -> Path:
    (tmp_path / "shipmate.yaml").write_text(SPEC.replace("version: git", 'version: "1.0.0"'))
    return tmp_path


@pytest.fixture
def week(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    git_project(tmp_path, COMMITS)
    (tmp_path / "shipmate.yaml").write_text(SPEC)
    clock = install_clock(monkeypatch)
    store = Store.open(tmp_path / ".shipmate")
    try:
        week_of_history(History(store, clock))
    finally:
        store.close()
    monkeypatch.undo()
    return tmp_path


@pytest.mark.parametrize(("args", "message"), [
    (["--period", "year"], "error: unknown period 'year'"),
    (["--since", "yesterday"], "error: --since: 'yesterday' is not a date"),
    (["--since", "2026-02-30"], "error: --since: '2026-02-30' is not a date"),
    (["--format", "pdf"], "error: unknown format 'pdf'"),
    (["-o", "/nonexistent/dir/report.md"], "error: -o /nonexistent/dir/report.md: No such file or directory"),
    (["-e", "nowhere"], "error: environments: unknown environment 'nowhere'"),
])
def test_bad_input_exits_2_with_one_line_and_a_hint(empty: Path, args: list[str], message: str) -> None:
    done = _run(empty, *args)
    assert done.returncode == 2, done
    lines = done.stderr.strip().splitlines()
    assert lines[0].startswith(message) and lines[1].startswith("hint: ") and len(lines) == 2, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert not (empty / ".shipmate").exists()       # a report never creates a state home


def test_bad_input_with_json_is_one_error_object(empty: Path) -> None:
    done = _run(empty, "--period", "year", "--json")
    assert done.returncode == 2
    out = json.loads(done.stdout)
    assert out["ok"] is False and out["error"]["message"] == "unknown period 'year'"


def test_a_period_without_data_is_insufficient_data_and_exit_0(empty: Path) -> None:
    done = _run(empty, "--period", "day")
    assert done.returncode == 0, done.stderr
    assert "**Insufficient data: nothing was deployed, approved or probed in this period.**" in done.stdout
    assert "| Change failure rate | insufficient data | insufficient data: no production deployments" in done.stdout
    for band in ("| elite |", "| high |", "| medium |", "| low |"):
        assert band not in done.stdout


def test_the_json_report_keeps_its_shape(week: Path) -> None:
    done = _run(week, "--since", "2026-11-02", "--compare", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["ok"] is True and out["command"] == "report"
    assert out["current"]["dora"]["change_failure_rate"]["counts"] == {"failed": 5, "deployments": 10}
    again = json.loads(_run(week, "--since", "2026-11-02", "--compare", "--format", "json").stdout)
    assert {**again, "generated_at": None} == {**out, "generated_at": None}
    found = shape(out)
    path = SHAPES / "report.json"
    if os.environ.get("SHIPMATE_UPDATE_SHAPES") == "1":
        path.write_text(json.dumps(found, indent=2) + "\n")
    assert found == json.loads(path.read_text()), json.dumps(found, indent=2)


def test_the_html_report_is_one_page_with_inline_charts_that_chromium_lays_out(week: Path, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    done = _run(week, "--since", "2026-11-02", "--format", "html", "-o", str(page))
    assert done.returncode == 0 and done.stdout == "", done.stderr
    html = page.read_text()
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "&lt;n&gt;" in html                       # failure signature text escaped
    assert "@media print" in html
    svgs = [ET.fromstring(html[i:html.index("</svg>", i) + 6]) for i in _all(html, "<svg ")]
    titles = [s.find("{http://www.w3.org/2000/svg}title").text for s in svgs]  # type: ignore[union-attr]
    assert titles == ["Production deployments per day", "Change failure rate per day",
                      "Recovery time of failed deployments", "Uptime per day"]
    chromium = shutil.which("chromium")
    if chromium is None:
        engine_unavailable("chromium", "no chromium on PATH")
    dom = subprocess.run(
        ["unshare", "-rn", chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    if dom.returncode != 0 and "unshare" in dom.stderr:
        pytest.skip(f"no network namespace here: {dom.stderr.strip()[:200]}")
    assert dom.returncode == 0, dom.stderr[-500:]
    assert dom.stdout.count('role="img"') == 4 and "Change failure rate" in dom.stdout
    pdf = tmp_path / "report.pdf"
    subprocess.run(["unshare", "-rn", chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", f"--print-to-pdf={pdf}", "--no-pdf-header-footer",
                    page.as_uri()], capture_output=True, timeout=120, check=True)
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000   # printable


def _all(text: str, needle: str) -> list[int]:
    out, i = [], text.find(needle)
    while i >= 0:
        out.append(i)
        i = text.find(needle, i + 1)
    return out
