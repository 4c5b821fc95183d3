"""read_logs: the last lines across rotated files, read from the end."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from target_support import TrackedTarget, log_handle, log_of, python_argv
from tests.waiting import wait_until

from shipmate.model import LaunchSpec
from shipmate.targets.log_tail import BLOCK_BYTES
from shipmate.targets.process import ProcessTarget


def test_spans_rotated_files_oldest_first(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    (tmp_path / "app.log.2").write_text("a1\na2\n")
    (tmp_path / "app.log.1").write_text("b1\nb2\nb3\n")
    log.write_text("c1\nc2\n")
    target = ProcessTarget()
    assert target.read_logs(log_handle(log), 4) == ["b2", "b3", "c1", "c2"]
    assert target.read_logs(log_handle(log), 100) == ["a1", "a2", "b1", "b2", "b3", "c1", "c2"]
    assert target.read_logs(log_handle(log), 0) == []


def test_missing_log_reads_as_empty(tmp_path: Path) -> None:
    assert ProcessTarget().read_logs(log_handle(tmp_path / "never.log"), 10) == []


def test_big_file_tail_matches_a_full_read(tmp_path: Path) -> None:
    log = tmp_path / "big.log"
    lines = [f"line {i} " + "x" * (i % 300) for i in range(20_000)]
    log.write_text("\n".join(lines) + "\n")
    assert log.stat().st_size > 10 * BLOCK_BYTES
    assert ProcessTarget().read_logs(log_handle(log), 2500) == lines[-2500:]
    assert ProcessTarget().read_logs(log_handle(log), 1) == [lines[-1]]


def test_last_line_without_newline_is_kept(tmp_path: Path) -> None:
    log = tmp_path / "partial.log"
    log.write_text("one\ntwo\nthree")
    assert ProcessTarget().read_logs(log_handle(log), 2) == ["two", "three"]


def test_reads_what_a_running_instance_wrote_through_rotation(
        target: TrackedTarget, make_launch: Callable[..., LaunchSpec]) -> None:
    code = "for i in range(300): print(f'out {i:03d}')"
    ref = target.start(make_launch(python_argv(code), max_bytes=2000, backups=5))
    wait_until(lambda: not target.is_alive(ref), 20, "the instance to finish")
    assert Path(log_of(ref) + ".1").exists()
    tail = target.read_logs(ref.handle, 41)
    assert [line.split(" ", 1)[1] for line in tail[:-1]] == [f"out {i:03d}" for i in range(260, 300)]
    assert tail[-1].endswith("[shipmate] process exited with code 0")
