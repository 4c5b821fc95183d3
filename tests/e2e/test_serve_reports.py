"""A real `shipmate serve` sends the scheduled report through notify: to a real receiver, and a serve started
after the first was SIGKILLed does not send the same period's report again."""

from __future__ import annotations

from shipmate.store import Store
from tests.e2e.cli_project import Project
from tests.e2e.serve_support import Serve
from tests.notify_receiver import receiver
from tests.waiting import wait_until


def test_serve_sends_the_daily_report_once_even_after_it_was_killed(project: Project) -> None:
    with receiver() as hook:
        # Events off: only the reports reach the receiver. 00:00 UTC has always passed: the latest one is due now.
        notify = f"notify: {{urls: ['{hook.url}'], events: [backup.failed]}}\n"
        daily = 'reports: {daily: "00:00", timezone: UTC}\n'
        project.spec("1.0.0", extra=notify + daily)
        project.json("deploy")
        first = Serve(project).start()
        wait_until(lambda: len(hook.bodies) == 1, 60, "serve to send the daily report")
        [title] = hook.titles()
        assert title.startswith("shipmate daily report: hello/default ")
        assert "| Change failure rate |" in hook.bodies[0]["message"]
        # Recorded as sent (a serve killed between the receiver's answer and this record sends it again: the
        # documented at-least-once window, tested in tests/ops/test_sending_reports.py).
        wait_until(lambda: _states(project) == ["sent"], 30, "the send to be recorded")
        first.kill()                                         # SIGKILL: no clean shutdown
        weekly = 'reports: {daily: "00:00", weekly: "Mon 00:00", timezone: UTC}\n'
        project.spec("1.0.0", extra=notify + weekly)
        second = Serve(project).start()
        # Its first check goes through daily, then weekly: once the weekly one is here, daily was looked at.
        wait_until(lambda: len(hook.bodies) >= 2, 60, "the new serve to send the weekly report")
        assert second.stop() == 0
        titles = hook.titles()
        assert len(titles) == 2 and titles[0] == title
        assert titles[1].startswith("shipmate weekly report: hello/default ")


def _states(project: Project) -> list[str]:
    with Store.open_readonly(project.home()) as store:   # type: ignore[union-attr]
        return [row["state"] for row in store.report_sends.sent()]
