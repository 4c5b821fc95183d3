"""`shipmate report` over a known history (real store, real git): every number of the report, exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipmate import ops
from shipmate.store import Store
from tests.ops.report_history import COMMITS, SPEC, History, at, git_project, install_clock, week_of_history


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("SHIPMATE_HOME", raising=False)
    git_project(tmp_path, COMMITS)
    (tmp_path / "shipmate.yaml").write_text(SPEC)
    clock = install_clock(monkeypatch)
    store = Store.open(tmp_path / ".shipmate")
    h = History(store, clock)
    try:
        week_of_history(h)
    finally:
        store.close()
    return tmp_path


def _report(project: Path, **kw: object) -> dict:
    result = ops.report(str(project / "shipmate.yaml"), period="week", since="2026-11-02", now=at(20, 0), **kw)
    return result.to_json()


def test_the_dora_keys_are_exact_with_their_counts_and_bands(project: Path) -> None:
    r = _report(project)
    assert (r["environment"], r["period"], r["timezone"], r["services"]) == ("production", "week", "UTC", ["web"])
    cur = r["current"]
    assert (cur["start"], cur["end"], cur["empty"]) == ("2026-11-02T00:00:00Z", "2026-11-09T00:00:00Z", False)
    dora = cur["dora"]
    # 7 successful deployments on 6 distinct days (two on Friday, none on Saturday) in one week.
    assert dora["deployment_frequency"]["value"] == 6.0
    assert dora["deployment_frequency"]["counts"] == {"deployment_days": 6, "deployments": 7, "weeks": 1}
    assert dora["deployment_frequency"]["band"] == "elite"
    # d2 monitor, d4 crash loop, d5 health, d7 failed, d8 rolled back by hand within 1 h: 5 of ALL 10.
    assert dora["change_failure_rate"]["value"] == 50.0
    assert dora["change_failure_rate"]["counts"] == {"failed": 5, "deployments": 10}
    assert dora["change_failure_rate"]["band"] == "low"
    # Recoveries 20, 20, 60, 65, 3620 s -> median 60 s.
    assert dora["recovery_time"]["value"] == 60.0
    assert dora["recovery_time"]["counts"] == {"recovered": 5, "failures": 5, "not_recovered": 0}
    assert dora["recovery_time"]["band"] == "elite"
    # Lead times of the 7 successful ones (v1.1.0-dirty has no commit): 1 h, 2 h, 3 h, 26 h, 30 h, 50 h (+60 s).
    lead = dora["lead_time"]
    assert lead["counts"] == {"measured": 6, "deployments": 7, "unknown_commit": 1}
    assert lead["value"] == (3 * 3600 + 60 + 26 * 3600 + 60) / 2
    assert lead["band"] == "elite"   # median 14.5 h: under a day


def test_the_other_figures_are_exact(project: Path) -> None:
    cur = _report(project)["current"]
    assert cur["success_rate"] == {"percent": 70.0, "count": 7, "of": 10}
    assert cur["rollback_rate"] == {"percent": 40.0, "count": 4, "of": 10}
    assert cur["rollbacks_by_reason"] == {
        "crash loop (serve)": {"percent": 10.0, "count": 1, "of": 10},
        "health checks": {"percent": 10.0, "count": 1, "of": 10},
        "manual rollback": {"percent": 10.0, "count": 1, "of": 10},
        "monitor window": {"percent": 10.0, "count": 1, "of": 10}}
    cal = cur["calibration"]
    assert cal["scored"] == 9
    assert cal["brier"] == pytest.approx(2.245 / 9)
    buckets = [(b["count"], b["predicted"], b["actual"]) for b in cal["buckets"]]
    assert buckets[:2] == [(0, None, None), (0, None, None)]
    assert buckets[2] == (2, pytest.approx(0.45), 0.0)
    assert buckets[3] == (2, pytest.approx(0.65), 0.0)
    assert buckets[4] == (5, pytest.approx(0.88), pytest.approx(0.8))
    assert cur["approvals"] == {"requested": 4, "by_state": {"approved": 2, "pending": 1, "rejected": 1},
                                "decided": 3, "median_wait_seconds": 600.0}
    assert [(s["signature"], s["count"], s["services"]) for s in cur["failure_signatures"]] == [
        ("sig_aaaaaaaaaaaaaaaa", 3, ["web"]), ("sig_bbbbbbbbbbbbbbbb", 1, ["web"])]
    assert cur["uptime"] == [{
        "service": "web", "uptime_percent": round(166 / 168 * 100, 4), "checks": 168, "failures": 2, "incidents": 2,
        "mttr_seconds": 3150.0, "slo_target_percent": None, "budget_allowed_minutes": None,
        "budget_spent_minutes": None, "budget_left_minutes": None,
        "daily_percent": [100.0, 100.0, round(23 / 24 * 100, 4), 100.0, round(23 / 24 * 100, 4), 100.0, 100.0]}]
    assert (cur["incidents"], cur["incident_mttr_seconds"], cur["uptime_note"]) == (2, 3150.0, "")
    daily = cur["daily"]
    assert daily["labels"] == ["Mon 02 Nov", "Tue 03 Nov", "Wed 04 Nov", "Thu 05 Nov", "Fri 06 Nov", "Sat 07 Nov",
                               "Sun 08 Nov"]
    assert daily["deploys"] == [2, 1, 1, 2, 3, 0, 1]
    assert daily["failure_rate"] == [50.0, 0.0, 100.0, 50.0, pytest.approx(200 / 3), None, 0.0]
    assert daily["recovery_minutes"] == [pytest.approx(20 / 60), None, pytest.approx(65 / 60),
                                         pytest.approx(20 / 60), pytest.approx((3620 / 60 + 1) / 2), None, None]


def test_compare_puts_the_previous_period_beside_it_and_an_empty_one_says_insufficient_data(project: Path) -> None:
    r = _report(project, compare=True)
    prev = r["previous"]
    assert (prev["start"], prev["end"], prev["empty"]) == ("2026-10-26T00:00:00Z", "2026-11-02T00:00:00Z", True)
    for key, metric in prev["dora"].items():
        assert metric["band"] is None, key
        assert metric["status"] == "insufficient data", key
    assert prev["success_rate"] == {"percent": None, "count": 0, "of": 0}
    md = ops.render_report(r, "md")
    assert "| Change failure rate | 50.0 % | low | 5 failed of 10 deployments | insufficient data |" in md
    assert "| Success rate | 70.0 % (7 of 10) | - (0 of 0) |" in md


def test_a_small_sample_is_insufficient_data_never_a_band(project: Path) -> None:
    cur = _report(project, environment="staging")["current"]
    cfr = cur["dora"]["change_failure_rate"]
    assert (cfr["value"], cfr["band"], cfr["counts"]) == (100.0, None, {"failed": 1, "deployments": 1})
    assert cfr["note"] == "insufficient data: 1 production deployments (minimum 5)"
    assert cur["approvals"]["requested"] == 1


def test_lead_time_is_not_measurable_when_versions_do_not_come_from_git(project: Path) -> None:
    spec = project / "shipmate.yaml"
    spec.write_text(spec.read_text().replace("version: git", 'version: "1.0.0"'))
    lead = _report(project)["current"]["dora"]["lead_time"]
    assert (lead["value"], lead["band"], lead["status"]) == (None, None, "not measurable")
    assert "versions are not from git" in lead["note"]
