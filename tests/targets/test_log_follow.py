"""FileFollower on a real log pump's output: the tail, then every new line once, across rotations."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from target_support import log_contains, python_argv
from tests.waiting import wait_until

from shipmate.targets.log_follow import FileFollower

BATCH = 40   # ~40 bytes a stamped line: each batch rotates a 1000-byte log once or twice


def _child(go: Path) -> str:
    return f"""
        import os, time
        for i in range(10):
            print(f"line {{i:04d}}")
        for batch in range(6):
            while not os.path.exists({str(go)!r} + str(batch)):
                time.sleep(0.02)
            for i in range(10 + batch * {BATCH}, 10 + (batch + 1) * {BATCH}):
                print(f"line {{i:04d}}")
    """


def _app_lines(lines: list[str]) -> list[str]:
    return [line.split(" ", 1)[1] for line in lines if " line " in line]


def test_the_tail_then_every_new_line_once_even_when_a_read_misses_several_rotations(tmp_path: Path) -> None:
    log, go = tmp_path / "app.log", tmp_path / "go"
    argv = [sys.executable, "-m", "shipmate.targets.log_pump", "--log", str(log), "--max-bytes", "1000",
            "--backups", "8", "--", *python_argv(_child(go))]
    pump = subprocess.Popen(argv)
    try:
        wait_until(lambda: log_contains(log, "line 0009"), 30, "the first ten lines")
        follower = FileFollower(str(log), tail=4)
        seen = _app_lines(follower.read_new())
        assert seen == [f"line {i:04d}" for i in range(6, 10)]
        for batch in range(6):
            (tmp_path / f"go{batch}").touch()
            last = f"line {10 + (batch + 1) * BATCH - 1:04d}"
            wait_until(lambda last=last: log_contains(log, last), 30, last)   # type: ignore[misc]
            if batch not in (2, 3, 4):   # three batches unread: several rotations pass between two reads
                seen += _app_lines(follower.read_new())
        assert len(list(tmp_path.glob("app.log.*"))) >= 4, "the test must rotate the log several times"
        assert seen == [f"line {i:04d}" for i in range(6, 10 + 6 * BATCH)]
        follower.close()
    finally:
        pump.kill()
        pump.wait(timeout=30)


def test_a_follower_from_the_start_reads_a_log_that_did_not_exist_yet(tmp_path: Path) -> None:
    log = tmp_path / "later.log"
    follower = FileFollower(str(log), tail=10)
    assert follower.read_new() == []
    log.write_text("one\ntwo\nthr")
    assert follower.read_new() == ["one", "two"]
    with log.open("a") as handle:
        handle.write("ee\n")
    assert follower.read_new() == ["three"]
    follower.close()
