"""Scheduled reports (`reports:` + `notify:`): sent to a real local receiver when due, once per period, also
after a restart and after a SIGKILLed sender; the clock is injected."""

from __future__ import annotations

import socket
import subprocess
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import psutil
import pytest

from shipmate.ops.sending_reports import ReportScheduler
from shipmate.store import Store
from tests.notify_receiver import receiver
from tests.ops.report_history import COMMITS, SPEC, History, git_project, install_clock, week_of_history

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(day: int, hour: int, minute: int = 0) -> float:
    return datetime(2026, 11, day, hour, minute, tzinfo=BERLIN).timestamp()


def _project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str) -> Path:
    monkeypatch.delenv("SHIPMATE_HOME", raising=False)
    git_project(tmp_path, COMMITS)
    spec = SPEC.replace("reports: {timezone: UTC}", 'reports: {daily: "08:00", weekly: "Mon 08:00", '
                        "timezone: Europe/Berlin}")
    (tmp_path / "shipmate.yaml").write_text(spec + f"notify: {{urls: ['{url}']}}\n")
    with monkeypatch.context() as m:
        clock = install_clock(m)
        store = Store.open(tmp_path / ".shipmate")
        try:
            week_of_history(History(store, clock))
        finally:
            store.close()
    return tmp_path / "shipmate.yaml"


def _sends(spec: Path) -> list[tuple[str, str]]:
    with Store.open(spec.parent / ".shipmate") as store:
        return [(row["schedule"], row["state"]) for row in store.report_sends.sent()]


def test_due_reports_go_out_once_per_period_even_across_a_restart(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    with receiver() as hook:
        spec = _project(tmp_path, monkeypatch, hook.url)
        now = [berlin(10, 9)]                      # Tuesday 10 Nov, 09:00 in Berlin
        first = ReportScheduler([spec], clock=lambda: now[0])
        assert first.check() == 2
        assert sorted(hook.titles()) == ["shipmate daily report: web/production 2026-11-10",
                                         "shipmate weekly report: web/production 2026-11-09"]
        weekly = next(b for b in hook.bodies if "weekly" in b["title"])
        assert weekly["message"].startswith("# shipmate report: production, week 2026-11-02T07:00:00Z -> "
                                         "2026-11-09T07:00:00Z")
        assert "| Change failure rate |" in weekly["message"]
        assert first.check() == 0                   # the same periods: nothing more
        restarted = ReportScheduler([spec], clock=lambda: now[0] + 3600)
        assert restarted.check() == 0               # a new serve reads what was sent from the store
        now[0] = berlin(11, 8, 30)                  # Wednesday 08:30: the next daily report only
        assert restarted.check() == 1
        assert len(hook.bodies) == 3 and hook.titles()[-1] == "shipmate daily report: web/production 2026-11-11"
    assert sorted(_sends(spec)) == [("daily", "sent"), ("daily", "sent"), ("weekly", "sent")]


def test_a_failed_send_is_recorded_and_sent_at_the_next_check(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]       # nobody listens there once closed
    spec = _project(tmp_path, monkeypatch, f"json://127.0.0.1:{dead_port}/hook")
    scheduler = ReportScheduler([spec], clock=lambda: berlin(10, 9))
    assert scheduler.check() == 0
    assert sorted(_sends(spec)) == [("daily", "failed"), ("weekly", "failed")]
    with receiver() as hook:
        spec.write_text(spec.read_text().replace(f"json://127.0.0.1:{dead_port}/hook", hook.url))
        assert scheduler.check() == 2
        assert len(hook.bodies) == 2
    assert sorted(_sends(spec)) == [("daily", "sent"), ("weekly", "sent")]


def test_a_claim_left_by_a_killed_sender_is_taken_over_but_a_live_one_is_not(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    with receiver() as hook:
        spec = _project(tmp_path, monkeypatch, hook.url)
        scheduler = ReportScheduler([spec], clock=lambda: berlin(10, 9))
        alive = subprocess.Popen(["sleep", "60"])
        dead = subprocess.Popen(["sleep", "60"])
        try:
            owners = {name: {"pid": p.pid, "create_time": psutil.Process(p.pid).create_time(),
                             "host": socket.gethostname(), "command": "serve", "actor": "shipmate-serve"}
                      for name, p in (("alive", alive), ("dead", dead))}
            dead.kill()
            dead.wait(timeout=10)
            from shipmate.analysis.report_schedule import latest_due

            with Store.open(spec.parent / ".shipmate") as store:
                for schedule, when, who in (("daily", "08:00", "dead"), ("weekly", "Mon 08:00", "alive")):
                    due = latest_due(schedule, when, "Europe/Berlin", berlin(10, 9))
                    assert store.report_sends.claim(service="web", environment="production", schedule=schedule,
                                                    period_start=due.period.start, period_end=due.period.end,
                                                    owner=owners[who], now=berlin(10, 8, 1),
                                                    owner_alive=lambda o: True)
            assert scheduler.check() == 1
            assert hook.titles() == ["shipmate daily report: web/production 2026-11-10"]
            assert sorted(_sends(spec)) == [("daily", "sent"), ("weekly", "sending")]
        finally:
            alive.kill()
            alive.wait(timeout=10)
        assert scheduler.check() == 1            # its owner is gone now: the weekly one goes out
        assert len(hook.bodies) == 2


def test_a_spec_without_reports_or_a_project_never_deployed_sends_nothing(tmp_path: Path) -> None:
    with receiver() as hook:
        spec = SPEC.replace("reports: {timezone: UTC}", 'reports: {daily: "08:00"}')
        (tmp_path / "shipmate.yaml").write_text(spec + f"notify: {{urls: ['{hook.url}']}}\n")
        assert ReportScheduler([tmp_path / "shipmate.yaml"], clock=lambda: berlin(10, 9)).check() == 0
        assert hook.bodies == [] and not (tmp_path / ".shipmate").exists()


def test_a_spec_is_parsed_again_only_when_its_file_changed(tmp_path: Path) -> None:
    spec = tmp_path / "shipmate.yaml"
    spec.write_text(SPEC + 'notify: {urls: ["json://127.0.0.1:9/a"]}\n')
    scheduler = ReportScheduler([spec])
    first = scheduler._today(spec)
    assert scheduler._today(spec) is first   # unchanged file: the parsed spec is kept (serve checks every 30 s)
    spec.write_text(SPEC + 'notify: {urls: ["json://127.0.0.1:9/changed"]}\n')
    again = scheduler._today(spec)
    assert again is not first and again.notify is not None and list(again.notify.urls) == ["json://127.0.0.1:9/changed"]
