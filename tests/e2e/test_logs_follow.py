"""`shipmate logs --follow` as a user runs it: a real app writing lines, rotations, Ctrl-C ends it with exit 0."""

from __future__ import annotations

import json
import shutil
import signal
import threading

import pytest

from tests.e2e.cli_project import Project
from tests.waiting import wait_until

# The deployed app: the hello service, plus a thread printing numbered lines 20 times a second.
TICKER = """
import runpy, threading, time

def tick():
    n = 0
    while True:
        print(f"tick {n:06d}", flush=True)
        n += 1
        time.sleep(0.05)

threading.Thread(target=tick, daemon=True).start()
runpy.run_path("hello_app.py", run_name="__main__")
"""


def _ticks(records: list[dict[str, str]]) -> list[int]:
    return [int(r["line"].rsplit("tick ", 1)[1]) for r in records if "tick " in r["line"]]


@pytest.mark.slow
def test_follow_prints_each_new_line_once_across_rotations_until_ctrl_c(project: Project) -> None:
    shutil.move(project.root / "app.py", project.root / "hello_app.py")
    (project.root / "app.py").write_text(TICKER)
    spec = project.spec("1.0.0")
    spec.write_text(spec.read_text().replace("  stop_grace: 3s\n",
                                             "  stop_grace: 3s\n  log_max_bytes: 1024\n  log_backups: 5\n"))
    project.json("deploy")
    follow = project.spawn("logs", "--follow", "--json", "-n", "5")
    records: list[dict[str, str]] = []

    def read() -> None:
        assert follow.stdout is not None
        for line in follow.stdout:
            records.append(json.loads(line))
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    # ~1 KiB rotates every ~25 ticks: 150 ticks span several rotations.
    wait_until(lambda: len(_ticks(records)) >= 150, 60, "150 ticks through logs --follow")
    log_dir = project.home()
    assert any(p.name.endswith(".log.2") for p in log_dir.rglob("*.log.*")), "the log must have rotated"
    follow.send_signal(signal.SIGINT)
    _, err = project.finish(follow, 30)
    reader.join(timeout=10)
    assert follow.returncode == 0, err
    ticks = _ticks(records)
    assert ticks == list(range(ticks[0], ticks[0] + len(ticks))), "every line once, in order, none lost"
    assert {r["instance_id"] for r in records} == {project.current_instances()[0]["instance_id"]}


@pytest.mark.slow
def test_follow_moves_on_to_the_next_deploys_instance_from_its_first_line(project: Project) -> None:
    shutil.move(project.root / "app.py", project.root / "hello_app.py")
    (project.root / "app.py").write_text(TICKER)
    project.spec("1.0.0")
    project.json("deploy")
    first = project.current_instances()[0]["instance_id"]
    follow = project.spawn("logs", "--follow", "--json", "-n", "1")
    records: list[dict[str, str]] = []

    def read() -> None:
        assert follow.stdout is not None
        for line in follow.stdout:
            records.append(json.loads(line))
    threading.Thread(target=read, daemon=True).start()
    wait_until(lambda: len(_ticks(records)) >= 5, 60, "ticks of the first release")
    project.spec("2.0.0")
    project.json("deploy")
    second = project.current_instances()[0]["instance_id"]
    assert second != first

    def of(instance_id: str) -> list[dict[str, str]]:
        return [r for r in records if r["instance_id"] == instance_id]
    wait_until(lambda: len(_ticks(of(second))) >= 5, 60, "ticks of the second release through the same follow")
    assert _ticks(of(second))[0] == 0, "a new instance is followed from its first line"
    follow.send_signal(signal.SIGINT)
    project.finish(follow, 30)
    assert follow.returncode == 0


def test_follow_in_a_folder_never_deployed_says_so(project: Project) -> None:
    project.spec("1.0.0")
    proc = project.run("logs", "--follow")
    assert proc.returncode == 2 and "never been deployed" in proc.stderr
    assert not project.home().exists()
