"""Progress in a pipe: a line at least every ~2 s while waiting, on stderr, even with --json."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import threading
import time

from tests.e2e.cli_project import SHIPMATE, Project


def _slow_spec(project: Project) -> None:
    # Sparse engine ticks on purpose (interval 5s, start_period 10s): the heartbeat must fill the gaps.
    (project.root / "shipmate.yaml").write_text(f"""service: slow
version: "1.0.0"
port: {project.port}
target: {{kind: process, command: ["{sys.executable}", "app.py"], env: {{HELLO_START_DELAY: "6"}}, stop_grace: 2s}}
health: {{deadline: 30s, interval: 5s, start_period: 10s, checks: [{{http: {{path: /health}}}}]}}
monitor: {{duration: 4s, interval: 3s, min_samples: 1}}
drain: 1s
""")


def _run_timed(project: Project, *args: str) -> tuple[list[tuple[float, str]], str, int]:
    proc = subprocess.Popen([SHIPMATE, *args], cwd=project.root, env=project.env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    project.started.append(proc)
    lines: list[tuple[float, str]] = []
    assert proc.stderr is not None and proc.stdout is not None
    reader = threading.Thread(target=lambda: lines.extend((time.monotonic(), ln) for ln in proc.stderr or []))
    reader.start()
    stdout = proc.stdout.read()
    proc.wait(timeout=90)
    reader.join(timeout=10)
    return lines, stdout, proc.returncode


def _longest_gap(lines: list[tuple[float, str]]) -> float:
    times = [t for t, _ in lines]
    return max((b - a for a, b in itertools.pairwise(times)), default=0.0)


def test_deploy_json_in_a_pipe_prints_progress_on_stderr_every_two_seconds(project: Project) -> None:
    _slow_spec(project)
    lines, stdout, code = _run_timed(project, "deploy", "--json")
    assert code == 0, stdout
    assert stdout.count("\n") == 1 and json.loads(stdout)["state"] == "succeeded"
    text = [ln for _, ln in lines]
    assert any("wait_healthy" in ln for ln in text) and any("monitor" in ln for ln in text)
    assert lines[-1][0] - lines[0][0] >= 6  # the 6 s start delay, then the monitor window
    assert _longest_gap(lines) <= 2.5, text


def test_plain_output_in_a_pipe_prints_progress_every_two_seconds(project: Project) -> None:
    _slow_spec(project)
    lines, stdout, code = _run_timed(project, "deploy")
    assert code == 0, (stdout, [ln for _, ln in lines])
    assert "deploy ok" in stdout
    assert _longest_gap(lines) <= 2.5, [ln for _, ln in lines]


def test_rich_spinner_on_a_terminal_shows_fresh_elapsed_time_every_two_seconds(project: Project) -> None:
    import os
    import re

    _slow_spec(project)
    master, slave = os.openpty()
    proc = subprocess.Popen([SHIPMATE, "deploy"], cwd=project.root, env={**project.env, "TERM": "xterm"},
                            stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL, text=True)
    project.started.append(proc)
    os.close(slave)
    seen: dict[str, float] = {}

    def read() -> None:
        buffer = ""
        while True:
            try:
                chunk = os.read(master, 4096).decode(errors="replace")
            except OSError:
                return
            if not chunk:
                return
            buffer = (buffer + chunk)[-400:]
            for elapsed in re.findall(r"\((\d+)s\)", buffer):
                seen.setdefault(elapsed, time.monotonic())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    stdout, _ = proc.communicate(timeout=90)
    reader.join(timeout=5)
    os.close(master)
    assert proc.returncode == 0 and "deploy ok" in stdout
    times = sorted(seen.values())
    assert len(times) >= 4, seen
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert max(gaps) <= 2.5, seen
